import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import type { AggregateRepository } from '../../domain/repository/aggregate-repository';
import { UniqueValueTakenError } from '../../domain/errors/unique-value-taken-error';
import { ContractCounter } from './contract-aggregate';

type RepositoryTest = (
  title: string,
  test: (repository: AggregateRepository) => Promise<void>,
) => unknown;

/**
 * The part of the repository contract about unique values across aggregates: claimed and
 * released by a save in its own transaction, a taken value refused with nothing written.
 * Declared inside {@link aggregateRepositoryContract}'s group.
 */
export function uniqueValueContract(it: RepositoryTest): void {
  const email = (value: string) => ({ scope: 'email', value });

  it('refuses a value another aggregate holds with UniqueValueTakenError, writing nothing', async (repository) => {
    const value = `${randomUUID()}@example.com`;
    const ada = ContractCounter.create(randomUUID(), 'ada');
    await repository.save(ada, { claim: [email(value)] });
    const eve = ContractCounter.create(randomUUID(), 'eve');
    await assert.rejects(repository.save(eve, { claim: [email(value)] }), (e: unknown) => {
      assert.ok(e instanceof UniqueValueTakenError);
      assert.equal(e.scope, 'email');
      assert.equal(e.value, value);
      assert.equal(e.heldBy, ada.id);
      assert.equal(e.claimedFor, eve.id);
      return true;
    });
    assert.equal(await repository.tryLoad(ContractCounter, eve.id), null);
    assert.equal(eve.getUncommittedEvents().length, 1);
  });

  it('frees a value released by its holder for another aggregate; a release by another does nothing', async (repository) => {
    const value = `${randomUUID()}@example.com`;
    const ada = ContractCounter.create(randomUUID(), 'ada');
    await repository.save(ada, { claim: [email(value)] });
    const eve = ContractCounter.create(randomUUID(), 'eve');
    await repository.save(eve, { release: [email(value)] });
    const bob = ContractCounter.create(randomUUID(), 'bob');
    await assert.rejects(repository.save(bob, { claim: [email(value)] }), UniqueValueTakenError);
    ada.increment();
    await repository.save(ada, { release: [email(value)] });
    await repository.save(bob, { claim: [email(value)] });
    assert.equal((await repository.readStream(bob.id)).length, 1);
  });

  it('lets one of 16 racing claimants of a value win, the others refused with nothing written', async (repository) => {
    const value = `${randomUUID()}@example.com`;
    const claimants = Array.from({ length: 16 }, (_, i) =>
      ContractCounter.create(randomUUID(), `claimant ${i}`),
    );
    const results = await Promise.allSettled(
      claimants.map((c) => repository.save(c, { claim: [email(value)] })),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    assert.equal(won.length, 1);
    for (const r of results) {
      if (r.status === 'rejected') assert.ok(r.reason instanceof UniqueValueTakenError);
    }
    const stored = await Promise.all(claimants.map((c) => repository.readStream(c.id)));
    assert.equal(stored.filter((s) => s.length > 0).length, 1);
  });

  it('answers a keyed save with a claim retried from a stale instance as a replay', async (repository) => {
    const value = `${randomUUID()}@example.com`;
    const id = randomUUID();
    await repository.save(ContractCounter.create(id, 'ada'), {
      claim: [email(value)],
      commandId: 'register',
    });
    const retry = await repository.save(ContractCounter.create(id, 'ada'), {
      claim: [email(value)],
      commandId: 'register',
    });
    assert.equal(retry.replayed, true);
  });
}
