import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import type { AggregateRepository } from '../../domain/repository/aggregate-repository';
import { ConcurrencyError } from '../../domain/errors/concurrency-error';
import { InvalidMetadataError } from '../../domain/errors/invalid-metadata-error';
import { ContractCounter } from './contract-aggregate';

type RepositoryTest = (
  title: string,
  test: (repository: AggregateRepository) => Promise<void>,
) => unknown;

/**
 * The part of the repository contract about conditions on aggregates a save reads but does not
 * write (`SaveOptions.unchanged`). Declared inside {@link aggregateRepositoryContract}'s group.
 */
export function unchangedContract(it: RepositoryTest): void {
  it('writes when every aggregate it requires unchanged is still at its version', async (repository) => {
    const account = ContractCounter.create(randomUUID(), 'account');
    account.increment();
    await repository.save(account);
    const order = ContractCounter.create(randomUUID(), 'order');
    const absent = randomUUID();
    await repository.save(order, {
      unchanged: [
        { aggregateId: account.id.toUpperCase(), version: 2 },
        { aggregateId: absent, version: 0 },
      ],
    });
    assert.equal((await repository.readStream(order.id)).length, 1);
  });

  it('refuses the save with ConcurrencyError naming the aggregate that moved, writing nothing', async (repository) => {
    const account = ContractCounter.create(randomUUID(), 'account');
    await repository.save(account);
    const seen = account.version;
    const other = await repository.load(ContractCounter, account.id);
    other.increment();
    await repository.save(other);
    const order = ContractCounter.create(randomUUID(), 'order');
    await assert.rejects(
      repository.save(order, { unchanged: [{ aggregateId: account.id, version: seen }] }),
      (e: unknown) => {
        assert.ok(e instanceof ConcurrencyError);
        assert.equal(e.aggregateId, account.id);
        assert.equal(e.aggregateType, 'TesseraContract.Counter');
        assert.equal(e.expectedVersion, 1);
        assert.equal(e.actualVersion, 2);
        assert.equal(e.byCondition, true);
        return true;
      },
    );
    assert.equal(await repository.tryLoad(ContractCounter, order.id), null);
    assert.equal(order.getUncommittedEvents().length, 1);
  });

  it('refuses a save requiring an absent aggregate (version 0) once it exists, and one required at a version it never reached', async (repository) => {
    const account = ContractCounter.create(randomUUID(), 'account');
    await repository.save(account);
    for (const version of [0, 5]) {
      const order = ContractCounter.create(randomUUID(), 'order');
      await assert.rejects(
        repository.save(order, { unchanged: [{ aggregateId: account.id, version }] }),
        (e: unknown) => e instanceof ConcurrencyError && e.byCondition && e.actualVersion === 1,
      );
      assert.equal(await repository.tryLoad(ContractCounter, order.id), null);
    }
  });

  it('does not retry an update whose condition failed: the command was decided on old state', async (repository) => {
    const account = ContractCounter.create(randomUUID(), 'account');
    await repository.save(account);
    const order = ContractCounter.create(randomUUID(), 'order');
    await repository.save(order);
    account.increment();
    await repository.save(account);
    let runs = 0;
    await assert.rejects(
      repository.update(
        ContractCounter,
        order.id,
        (o) => {
          runs += 1;
          o.increment();
        },
        { unchanged: [{ aggregateId: account.id, version: 1 }] },
      ),
      (e: unknown) => e instanceof ConcurrencyError && e.byCondition,
    );
    assert.equal(runs, 1);
    assert.equal((await repository.readStream(order.id)).length, 1);
  });

  it('refuses malformed conditions with InvalidMetadataError before writing', async (repository) => {
    const account = ContractCounter.create(randomUUID(), 'account');
    const bad: unknown[] = [
      'not an array',
      [{ aggregateId: 'nope', version: 1 }],
      [{ aggregateId: randomUUID(), version: -1 }],
      [{ aggregateId: randomUUID(), version: 1.5 }],
      [{ aggregateId: randomUUID(), version: 2 ** 31 }],
      [{ aggregateId: account.id, version: 0 }],
      [null],
    ];
    const twice = randomUUID();
    bad.push([
      { aggregateId: twice, version: 1 },
      { aggregateId: twice.toUpperCase(), version: 2 },
    ]);
    for (const unchanged of bad) {
      await assert.rejects(
        repository.save(account, { unchanged } as never),
        InvalidMetadataError,
        JSON.stringify(unchanged),
      );
    }
    assert.equal(await repository.tryLoad(ContractCounter, account.id), null);
  });
}
