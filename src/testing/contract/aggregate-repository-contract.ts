import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import type { AggregateRepository } from '../../domain/repository/aggregate-repository';
import { AggregateNotFoundError } from '../../domain/errors/aggregate-not-found-error';
import { AggregateTypeMismatchError } from '../../domain/errors/aggregate-type-mismatch-error';
import { ConcurrencyError } from '../../domain/errors/concurrency-error';
import { DomainError } from '../../domain/errors/domain-error';
import { ConcurrentSaveError } from '../../domain/errors/concurrent-save-error';
import { InvalidAggregateIdError } from '../../domain/errors/invalid-aggregate-id-error';
import { InvalidMetadataError } from '../../domain/errors/invalid-metadata-error';
import { ContractCounter, ContractOther } from './contract-aggregate';
import type { ContractTestRunner } from './contract-test-runner';
import { roundTripContract } from './round-trip-contract';
import { idempotencyContract } from './idempotency-contract';
import { eventMetadataContract } from './event-metadata-contract';
import { uniqueValueContract } from './unique-value-contract';
import { unchangedContract } from './unchanged-contract';
import { streamReadsContract } from './stream-reads-contract';

/**
 * The behaviour every `AggregateRepository` must have, as a test suite for any runner: pass your
 * runner's `describe` and `it` (mocha, node:test, Jest and Vitest all fit). `factory` is called once
 * per test; both Tessera repositories run the suite, and so can your own implementation.
 *
 * @example
 * ```ts
 * import { describe, it } from 'node:test';
 * import { aggregateRepositoryContract, InMemoryEventRepository } from 'tessera-es/testing';
 *
 * aggregateRepositoryContract('InMemoryEventRepository', () => new InMemoryEventRepository(), {
 *   describe,
 *   it,
 * });
 * ```
 */
export function aggregateRepositoryContract(
  name: string,
  factory: () => AggregateRepository | Promise<AggregateRepository>,
  runner: ContractTestRunner,
): void {
  const { describe } = runner;
  // Each test builds its own repository rather than sharing one set by a hook: runners differ in
  // their hooks, and one that runs tests concurrently would otherwise swap it under a test.
  const it = (title: string, test: (repository: AggregateRepository) => Promise<void>): unknown =>
    runner.it(title, async () => test(await factory()));

  describe(`${name} (repository contract)`, () => {
    describe('round trips', () => roundTripContract(it));
    describe('command ids', () => idempotencyContract(it));
    describe('metadata', () => eventMetadataContract(it));
    describe('unique values', () => uniqueValueContract(it));
    describe('aggregates required unchanged', () => unchangedContract(it));
    describe('partial and point-in-time reads', () => streamReadsContract(it));

    async function created(repository: AggregateRepository, total = 0): Promise<ContractCounter> {
      const counter = ContractCounter.create(randomUUID(), 'c');
      for (let i = 0; i < total; i++) counter.increment();
      await repository.save(counter);
      return counter;
    }

    it('saves and loads an aggregate with Dates, value objects and bigints intact', async (repository) => {
      const counter = ContractCounter.create(randomUUID(), 'round trip');
      counter.increment(2);
      counter.increment(3);
      await repository.save(counter);
      assert.equal(counter.version, 3);
      assert.equal(counter.getUncommittedEvents().length, 0);
      const loaded = await repository.load(ContractCounter, counter.id);
      assert.equal(loaded.version, 3);
      assert.deepEqual({ ...loaded }, { ...counter });
      assert.equal(loaded.bigTotal, 5n * 10n ** 20n);
    });

    it('stores versions 1..n and the envelope in metadata', async (repository) => {
      const counter = ContractCounter.create(randomUUID(), 'meta');
      counter.increment();
      const [first] = counter.getUncommittedEnvelopes();
      await repository.save(counter, {
        correlationId: 'corr-1',
        causationId: 'cause-1',
        actor: 'ada',
        headers: { 'trace.id': 'x;\'"—ü' },
      });
      const stream = await repository.readStream(counter.id);
      assert.deepEqual(
        stream.map((e) => e.version),
        [1, 2],
      );
      assert.equal(stream[0].eventId, first.eventId);
      assert.equal(stream[0].eventType, 'TesseraContract.CounterCreated');
      assert.equal(stream[0].aggregateType, 'TesseraContract.Counter');
      assert.deepEqual(stream[0].metadata, {
        schemaVersion: 1,
        occurredAt: first.occurredAt.toISOString(),
        correlationId: 'corr-1',
        causationId: 'cause-1',
        headers: { 'trace.id': 'x;\'"—ü', actor: 'ada' },
      });
    });

    it('continues a loaded aggregate at the next version', async (repository) => {
      const counter = await created(repository, 1);
      const loaded = await repository.load(ContractCounter, counter.id);
      loaded.increment(5);
      await repository.save(loaded);
      assert.equal(loaded.version, 3);
      assert.equal((await repository.load(ContractCounter, counter.id)).total, 6);
    });

    it('tryLoad() returns null and load() throws AggregateNotFoundError for an unknown id', async (repository) => {
      const id = randomUUID();
      assert.equal(await repository.tryLoad(ContractCounter, id), null);
      await assert.rejects(repository.load(ContractCounter, id), (e: unknown) => {
        assert.ok(e instanceof AggregateNotFoundError);
        assert.equal(e.aggregateId, id);
        assert.equal(e.aggregateType, 'TesseraContract.Counter');
        return true;
      });
    });

    it('rejects a non-UUID id with InvalidAggregateIdError', async (repository) => {
      await assert.rejects(
        repository.load(ContractCounter, "1'; drop table events;--"),
        InvalidAggregateIdError,
      );
    });

    it('rejects the second of two writers of the same version with ConcurrencyError', async (repository) => {
      const counter = await created(repository, 1);
      const a = await repository.load(ContractCounter, counter.id);
      const b = await repository.load(ContractCounter, counter.id);
      a.increment(1);
      a.increment(1);
      b.increment(7);
      await repository.save(a);
      await assert.rejects(repository.save(b), (e: unknown) => {
        assert.ok(e instanceof ConcurrencyError);
        assert.equal(e.code, 'TESSERA_CONCURRENCY');
        assert.equal(e.aggregateId, counter.id);
        assert.equal(e.aggregateType, 'TesseraContract.Counter');
        assert.equal(e.expectedVersion, 2);
        assert.equal(e.actualVersion, 4);
        return true;
      });
      assert.equal(b.getUncommittedEvents().length, 1, 'the loser keeps its uncommitted events');
      assert.equal(b.version, 2);
      const stream = await repository.readStream(counter.id);
      assert.deepEqual(
        stream.map((e) => e.version),
        [1, 2, 3, 4],
      );
      assert.equal((await repository.load(ContractCounter, counter.id)).total, 3);
    });

    it('lets exactly one of two concurrent saves from the same version win', async (repository) => {
      const counter = await created(repository, 0);
      const a = await repository.load(ContractCounter, counter.id);
      const b = await repository.load(ContractCounter, counter.id);
      a.increment(1);
      b.increment(2);
      const results = await Promise.allSettled([repository.save(a), repository.save(b)]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.equal(won.length, 1);
      assert.equal(lost.length, 1);
      assert.ok(lost[0].reason instanceof ConcurrencyError, String(lost[0].reason));
      assert.equal(lost[0].reason.expectedVersion, 1);
      assert.equal(lost[0].reason.actualVersion, 2);
      assert.equal((await repository.readStream(counter.id)).length, 2);
    });

    it('rejects a new aggregate whose id already has a stream', async (repository) => {
      const counter = await created(repository, 0);
      await assert.rejects(
        repository.save(ContractCounter.create(counter.id, 'again')),
        ConcurrencyError,
      );
    });

    it('rejects a save that would leave a gap in a shorter stream, writing nothing', async (repository) => {
      const counter = ContractCounter.create(randomUUID(), 'gap');
      counter.increment();
      counter.markCommitted(); // as if loaded from another store at version 2
      counter.increment();
      await assert.rejects(repository.save(counter), (e: unknown) => {
        assert.ok(e instanceof ConcurrencyError);
        assert.equal(e.expectedVersion, 2);
        assert.equal(e.actualVersion, 0);
        return true;
      });
      assert.equal((await repository.readStream(counter.id)).length, 0);
      const fresh = ContractCounter.create(randomUUID(), 'gap in batch');
      await assert.rejects(repository.saveAll([fresh, counter]), ConcurrencyError);
      assert.equal(await repository.tryLoad(ContractCounter, fresh.id), null);
    });

    it('keeps events raised while a save is in flight for the next save', async (repository) => {
      const counter = ContractCounter.create(randomUUID(), 'in flight');
      const saving = repository.save(counter);
      counter.increment(4);
      await saving;
      assert.equal(counter.version, 1);
      assert.equal(counter.getUncommittedEvents().length, 1);
      await repository.save(counter);
      assert.equal(counter.version, 2);
      assert.equal((await repository.load(ContractCounter, counter.id)).total, 4);
    });

    it('saveAll writes all aggregates or none', async (repository) => {
      const existing = await created(repository, 0);
      const stale = await repository.load(ContractCounter, existing.id);
      await repository.update(ContractCounter, existing.id, (c) => c.increment());
      const fresh = ContractCounter.create(randomUUID(), 'fresh');
      stale.increment();
      await assert.rejects(repository.saveAll([fresh, stale]), ConcurrencyError);
      assert.equal(
        await repository.tryLoad(ContractCounter, fresh.id),
        null,
        'the first aggregate was not written',
      );
      assert.equal(fresh.getUncommittedEvents().length, 1);
      const other = ContractCounter.create(randomUUID(), 'other');
      await repository.saveAll([fresh, other]);
      assert.equal(fresh.version, 1);
      assert.equal(other.version, 1);
    });

    it('does nothing when there is nothing to save', async (repository) => {
      const counter = await created(repository, 0);
      await repository.save(counter);
      await repository.saveAll([]);
      assert.equal((await repository.readStream(counter.id)).length, 1);
    });

    it('update() from 16 concurrent callers applies every command exactly once', async (repository) => {
      const counter = await created(repository, 0);
      await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          repository.update(ContractCounter, counter.id, (c) => c.increment(i + 1), {
            retries: 100,
          }),
        ),
      );
      const loaded = await repository.load(ContractCounter, counter.id);
      assert.equal(loaded.version, 17);
      assert.equal(loaded.total, (16 * 17) / 2);
      assert.deepEqual(
        (await repository.readStream(counter.id)).map((e) => e.version),
        Array.from({ length: 17 }, (_, i) => i + 1),
      );
    });

    it('update() gives the ConcurrencyError to the caller after the last retry', async (repository) => {
      const counter = await created(repository, 0);
      let attempts = 0;
      await assert.rejects(
        repository.update(
          ContractCounter,
          counter.id,
          async (c) => {
            attempts++;
            await repository.update(ContractCounter, counter.id, (rival) => rival.increment());
            c.increment();
          },
          { retries: 2, baseDelayMs: 0 },
        ),
        ConcurrencyError,
      );
      assert.equal(attempts, 3);
    });

    it('update() lets a DomainError from the command through without retrying', async (repository) => {
      const counter = await created(repository, 0);
      let attempts = 0;
      await assert.rejects(
        repository.update(ContractCounter, counter.id, () => {
          attempts++;
          throw new DomainError('not allowed', 'NOT_ALLOWED');
        }),
        (e: unknown) => e instanceof DomainError && e.code === 'NOT_ALLOWED',
      );
      assert.equal(attempts, 1);
      assert.equal((await repository.readStream(counter.id)).length, 1);
    });

    it('refuses to load a stream as another aggregate type', async (repository) => {
      const counter = await created(repository, 0);
      await assert.rejects(repository.load(ContractOther, counter.id), (e: unknown) => {
        assert.ok(e instanceof AggregateTypeMismatchError);
        assert.equal(e.storedType, 'TesseraContract.Counter');
        return true;
      });
    });

    it('rejects the same instance saved twice at once with ConcurrentSaveError', async (repository) => {
      const counter = ContractCounter.create(randomUUID(), 'twice');
      const results = await Promise.allSettled([
        repository.save(counter),
        repository.save(counter),
      ]);
      assert.equal(results[0].status, 'fulfilled');
      assert.ok(
        results[1].status === 'rejected' && results[1].reason instanceof ConcurrentSaveError,
      );
      assert.equal((await repository.readStream(counter.id)).length, 1);
    });

    it('rejects malformed metadata with InvalidMetadataError and writes nothing', async (repository) => {
      const counter = ContractCounter.create(randomUUID(), 'meta');
      const bad = { headers: { tenant: 42 } } as unknown as Parameters<
        AggregateRepository['save']
      >[1];
      await assert.rejects(repository.save(counter, bad), InvalidMetadataError);
      assert.equal(await repository.tryLoad(ContractCounter, counter.id), null);
      assert.equal(counter.getUncommittedEvents().length, 1);
    });
  });
}
