import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import type { AggregateRepository } from '../../domain/repository/aggregate-repository';
import { ContractCounter } from './contract-aggregate';

type RepositoryTest = (
  title: string,
  test: (repository: AggregateRepository) => Promise<void>,
) => unknown;

/** The part of the repository contract about partial reads and point-in-time loads. */
export function streamReadsContract(it: RepositoryTest): void {
  async function saved(repository: AggregateRepository, increments: number) {
    const counter = ContractCounter.create(randomUUID(), 'reads');
    for (let i = 1; i <= increments; i++) counter.increment(i);
    await repository.save(counter);
    return counter;
  }
  const versions = (events: readonly { version: number }[]): number[] =>
    events.map((e) => e.version);

  it('reads a range of a stream forwards and backwards, at most maxCount', async (repository) => {
    const { id } = await saved(repository, 5); // versions 1..6
    assert.deepEqual(versions(await repository.readStream(id, {})), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(
      versions(await repository.readStream(id, { fromVersion: 2, toVersion: 4 })),
      [2, 3, 4],
    );
    assert.deepEqual(
      versions(await repository.readStream(id, { direction: 'backwards', maxCount: 2 })),
      [6, 5],
    );
    assert.deepEqual(
      versions(await repository.readStream(id, { fromVersion: 3, maxCount: 2 })),
      [3, 4],
    );
    assert.deepEqual(
      versions(
        await repository.readStream(id, { toVersion: 3, direction: 'backwards', maxCount: 10 }),
      ),
      [3, 2, 1],
    );
    assert.deepEqual(await repository.readStream(id, { fromVersion: 7 }), []);
    for (const bad of [{ fromVersion: 0 }, { maxCount: 1.5 }, { direction: 'up' }] as const) {
      await assert.rejects(
        repository.readStream(id, bad as Parameters<AggregateRepository['readStream']>[1]),
        TypeError,
      );
    }
  });

  it('reads one event by its id, or null', async (repository) => {
    const counter = ContractCounter.create(randomUUID(), 'one');
    counter.increment(4);
    const [, second] = counter.getUncommittedEnvelopes();
    await repository.save(counter);
    const event = await repository.readEvent(second.eventId.toUpperCase());
    assert.ok(event);
    assert.equal(event.eventId, second.eventId);
    assert.equal(event.aggregateId, counter.id);
    assert.equal(event.version, 2);
    assert.deepEqual(event, (await repository.readStream(counter.id))[1]);
    assert.equal(await repository.readEvent(randomUUID()), null);
    await assert.rejects(repository.readEvent('not-a-uuid'), TypeError);
  });

  it('loads the state as of a version, from the first event', async (repository) => {
    const counter = await saved(repository, 4); // totals 1, 3, 6, 10 after versions 2..5
    const atThree = await repository.load(ContractCounter, counter.id, { asOfVersion: 3 });
    assert.equal(atThree.version, 3);
    assert.equal(atThree.total, 3);
    // An hour ahead: a database server's clock may run ahead of this process's.
    const later = new Date(Date.now() + 3_600_000);
    const now = await repository.load(ContractCounter, counter.id, { asOf: later });
    assert.equal(now.version, 5);
    assert.equal(now.total, 10);
  });
}
