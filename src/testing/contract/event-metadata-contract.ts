import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import type { AggregateRepository } from '../../domain/repository/aggregate-repository';
import { ContractCounter } from './contract-aggregate';

type RepositoryTest = (
  title: string,
  test: (repository: AggregateRepository) => Promise<void>,
) => unknown;

/**
 * The part of the repository contract about metadata beyond short strings: headers that are any
 * JSON value, and metadata of each event where a save carries several.
 */
export function eventMetadataContract(it: RepositoryTest): void {
  it('stores headers of any JSON value, and each event its own metadata over the save’s', async (repository) => {
    const counter = ContractCounter.create(randomUUID(), 'meta');
    counter.increment(1, { causationId: 'msg-1', headers: { step: 1, tags: ['a', 'b'] } });
    counter.increment(2, { headers: { retry: { attempt: 2, final: true, note: null } } });
    await repository.save(counter, {
      causationId: 'cmd',
      actor: 'ada',
      headers: { step: 0, flags: { beta: true }, ratio: 0.5 },
    });
    const [created, first, second] = (await repository.readStream(counter.id)).map(
      (e) => e.metadata,
    );
    assert.equal(created.causationId, 'cmd');
    assert.deepEqual(created.headers, { step: 0, flags: { beta: true }, ratio: 0.5, actor: 'ada' });
    assert.equal(first.causationId, 'msg-1');
    assert.deepEqual(first.headers, {
      step: 1,
      flags: { beta: true },
      ratio: 0.5,
      actor: 'ada',
      tags: ['a', 'b'],
    });
    assert.equal(second.causationId, 'cmd');
    assert.deepEqual(second.headers?.retry, { attempt: 2, final: true, note: null });
  });
}
