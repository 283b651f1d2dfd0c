import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import type { AggregateRepository } from '../../domain/repository/aggregate-repository';
import { CommandIdReusedError } from '../../domain/errors/command-id-reused-error';
import { ConcurrencyError } from '../../domain/errors/concurrency-error';
import { DomainError } from '../../domain/errors/domain-error';
import { ContractCounter } from './contract-aggregate';

type RepositoryTest = (
  title: string,
  test: (repository: AggregateRepository) => Promise<void>,
) => unknown;

/**
 * The part of the repository contract about command ids (idempotency keys): a save whose
 * command id is stored writes nothing and reports a replay, a command id reused with other
 * events is refused, and racing retries of one command have one effect. Declared inside
 * {@link aggregateRepositoryContract}'s group.
 */
export function idempotencyContract(it: RepositoryTest): void {
  async function created(repository: AggregateRepository): Promise<ContractCounter> {
    const counter = ContractCounter.create(randomUUID(), 'keyed');
    await repository.save(counter);
    return counter;
  }

  it('reports the versions a keyed save wrote, and replays it from a stale instance without writing', async (repository) => {
    const counter = await created(repository);
    const first = await repository.load(ContractCounter, counter.id);
    const stale = await repository.load(ContractCounter, counter.id);
    first.increment(5);
    const written = await repository.save(first, { commandId: 'cmd-1' });
    assert.deepEqual(written, {
      replayed: false,
      streams: [
        {
          aggregateId: counter.id,
          aggregateType: 'TesseraContract.Counter',
          firstVersion: 2,
          lastVersion: 2,
        },
      ],
    });
    stale.increment(5);
    const replayed = await repository.save(stale, { commandId: 'cmd-1' });
    assert.equal(replayed.replayed, true);
    assert.deepEqual(replayed.streams, written.streams);
    assert.equal((await repository.readStream(counter.id)).length, 2);
  });

  it('refuses a command id reused with other events with CommandIdReusedError, writing nothing', async (repository) => {
    const counter = await created(repository);
    const a = await repository.load(ContractCounter, counter.id);
    a.increment(1);
    await repository.save(a, { commandId: 'cmd-2' });
    const b = await repository.load(ContractCounter, counter.id);
    b.increment(2);
    await assert.rejects(repository.save(b, { commandId: 'cmd-2' }), (e: unknown) => {
      assert.ok(e instanceof CommandIdReusedError);
      assert.equal(e.aggregateId, counter.id);
      assert.equal(e.commandId, 'cmd-2');
      return true;
    });
    assert.equal((await repository.readStream(counter.id)).length, 2);
  });

  it('keeps command ids per aggregate: the same id on two aggregates writes both', async (repository) => {
    const one = await created(repository);
    const two = await created(repository);
    one.increment();
    two.increment();
    assert.equal((await repository.save(one, { commandId: 'shared' })).replayed, false);
    assert.equal((await repository.save(two, { commandId: 'shared' })).replayed, false);
    assert.equal((await repository.readStream(two.id)).length, 2);
  });

  it('still refuses a stale save without a command id with ConcurrencyError', async (repository) => {
    const counter = await created(repository);
    const stale = await repository.load(ContractCounter, counter.id);
    await repository.update(ContractCounter, counter.id, (c) => c.increment(), {
      commandId: 'x',
    });
    stale.increment();
    await assert.rejects(repository.save(stale), ConcurrencyError);
  });

  it('replays a keyed saveAll whole, and refuses it when only some of its aggregates hold the key', async (repository) => {
    const one = await created(repository);
    const two = await created(repository);
    const staleOne = await repository.load(ContractCounter, one.id);
    const staleTwo = await repository.load(ContractCounter, two.id);
    one.increment(3);
    two.increment(4);
    await repository.saveAll([one, two], { commandId: 'pair' });
    staleOne.increment(3);
    staleTwo.increment(4);
    const replay = await repository.saveAll([staleOne, staleTwo], { commandId: 'pair' });
    assert.equal(replay.replayed, true);
    assert.deepEqual(
      replay.streams.map((s) => s.lastVersion),
      [2, 2],
    );
    const three = await created(repository);
    const fresh = await repository.load(ContractCounter, one.id);
    fresh.increment(3);
    three.increment(3);
    await assert.rejects(
      repository.saveAll([fresh, three], { commandId: 'pair' }),
      CommandIdReusedError,
    );
    assert.equal((await repository.readStream(three.id)).length, 1);
  });

  it('applies a command retried through update() with its command id once', async (repository) => {
    const counter = await created(repository);
    const deposit = (): Promise<ContractCounter> =>
      repository.update(ContractCounter, counter.id, (c) => c.increment(7), {
        commandId: 'deposit-7',
      });
    await deposit();
    const again = await deposit();
    assert.equal(again.total, 7);
    assert.equal(again.version, 2);
    assert.equal(again.getUncommittedEvents().length, 0);
    assert.equal((await repository.readStream(counter.id)).length, 2);
  });

  it('answers a command that refuses on a rerun, its command id stored, with the stored state', async (repository) => {
    const counter = await created(repository);
    const once = (c: ContractCounter): void => {
      if (c.total >= 7) throw new DomainError('only once', 'ONCE');
      c.increment(7);
    };
    await repository.update(ContractCounter, counter.id, once, { commandId: 'once' });
    const again = await repository.update(ContractCounter, counter.id, once, { commandId: 'once' });
    assert.equal(again.total, 7);
    await assert.rejects(
      repository.update(ContractCounter, counter.id, once, { commandId: 'other' }),
      (e: unknown) => e instanceof DomainError && e.code === 'ONCE',
    );
    assert.equal((await repository.readStream(counter.id)).length, 2);
  });

  it('applies one command raced by 32 retries with its command id exactly once', async (repository) => {
    const counter = await created(repository);
    const results = await Promise.all(
      Array.from({ length: 32 }, () =>
        repository.update(ContractCounter, counter.id, (c) => c.increment(9), {
          commandId: 'race',
          retries: 64,
          baseDelayMs: 1,
          maxDelayMs: 20,
        }),
      ),
    );
    assert.ok(results.every((r) => r.total === 9 && r.version === 2));
    const stream = await repository.readStream(counter.id);
    assert.equal(stream.length, 2);
  });
}
