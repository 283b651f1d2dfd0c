import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import type { AggregateRepository } from '../../domain/repository/aggregate-repository';
import { MissingDataSubjectError } from '../../domain/errors/missing-data-subject-error';
import { FORGOTTEN_VALUE } from '../../domain/personal-data/forgotten-value';
import { ContractClub } from './contract-club';
import type { ContractTestRunner } from './contract-test-runner';

/**
 * The behaviour of `@PersonalData` and `forget` every `AggregateRepository` must have, as a test
 * suite for any runner (see {@link aggregateRepositoryContract}): values come back as raised
 * until their subject is forgotten, then as `FORGOTTEN_VALUE`, with other subjects untouched and
 * the aggregate still loadable and writable. `factory` must give a repository that can store
 * personal data (for `EventRepository`, one with the `personalData` option).
 *
 * @example
 * ```ts
 * personalDataContract('InMemoryEventRepository', () => new InMemoryEventRepository(), {
 *   describe,
 *   it,
 * });
 * ```
 */
export function personalDataContract(
  name: string,
  factory: () => AggregateRepository | Promise<AggregateRepository>,
  runner: ContractTestRunner,
): void {
  const it = (title: string, test: (repository: AggregateRepository) => Promise<void>): unknown =>
    runner.it(title, async () => test(await factory()));

  runner.describe(`${name} (personal data contract)`, () => {
    it('loads personal values as raised, nested value objects included', async (repository) => {
      const ada = randomUUID();
      const club = new ContractClub(randomUUID());
      club.join(ada, 'Ada Lovelace', 'ada@example.com');
      club.note(ada, 'likes engines');
      await repository.save(club);
      const loaded = await repository.load(ContractClub, club.id);
      assert.deepEqual(loaded.members, club.members);
      assert.deepEqual(loaded.notes, ['likes engines']);
      const stored = await repository.readStream(club.id);
      assert.deepEqual(stored[0].payload, {
        memberId: ada,
        contact: { name: 'Ada Lovelace', email: 'ada@example.com' },
        plan: 'basic',
      });
    });

    it('after forget, gives the placeholder for that subject only, in one stream', async (repository) => {
      const ada = randomUUID();
      const bob = randomUUID();
      const club = new ContractClub(randomUUID());
      club.join(ada, 'Ada Lovelace', 'ada@example.com');
      club.join(bob, 'Bob Babbage', 'bob@example.com');
      club.note(ada, 'ada-note');
      club.note(bob, 'bob-note');
      await repository.save(club);
      assert.equal(await repository.forget(ada), true);
      assert.equal(await repository.forget(`member-${ada}`), true);
      const loaded = await repository.load(ContractClub, club.id);
      assert.deepEqual(
        loaded.members.map((m) => [m.name, m.email]),
        [
          [FORGOTTEN_VALUE, FORGOTTEN_VALUE],
          ['Bob Babbage', 'bob@example.com'],
        ],
      );
      assert.deepEqual(loaded.notes, [FORGOTTEN_VALUE, 'bob-note']);
      assert.deepEqual(loaded.memberIds, [ada, bob]);
      const stored = await repository.readStream(club.id);
      assert.deepEqual(stored[0].payload, {
        memberId: ada,
        contact: { name: FORGOTTEN_VALUE, email: FORGOTTEN_VALUE },
        plan: 'basic',
      });
      // Still accepts commands, and the next load folds old and new events alike.
      loaded.join(randomUUID(), 'Cleo', 'cleo@example.com');
      await repository.save(loaded);
      const again = await repository.load(ContractClub, club.id);
      assert.equal(again.version, 5);
      assert.equal(again.members[2].name, 'Cleo');
    });

    it('gives a forgotten subject saved again a new key: old values stay forgotten', async (repository) => {
      const ada = randomUUID();
      const club = new ContractClub(randomUUID());
      club.join(ada, 'Ada Lovelace', 'ada@example.com');
      await repository.save(club);
      await repository.forget(ada);
      assert.equal(await repository.forget(ada), false);
      club.join(ada, 'Ada King', 'ada.king@example.com');
      await repository.save(club);
      const loaded = await repository.load(ContractClub, club.id);
      assert.deepEqual(
        loaded.members.map((m) => m.name),
        [FORGOTTEN_VALUE, 'Ada King'],
      );
    });

    it('treats a command id retried with the same personal values as a replay', async (repository) => {
      const ada = randomUUID();
      const id = randomUUID();
      const commandId = randomUUID();
      const first = new ContractClub(id);
      first.join(ada, 'Ada Lovelace', 'ada@example.com');
      await repository.save(first, { commandId });
      const retry = new ContractClub(id);
      retry.join(ada, 'Ada Lovelace', 'ada@example.com');
      const result = await repository.save(retry, { commandId });
      assert.equal(result.replayed, true);
    });

    it('refuses an event with personal data and no data subject, writing nothing', async (repository) => {
      const club = new ContractClub(randomUUID());
      club.join(randomUUID(), 'Ada', 'ada@example.com');
      club.leakAnonymously('the plans');
      await assert.rejects(repository.save(club), (e: unknown) => {
        assert.ok(e instanceof MissingDataSubjectError);
        assert.equal(e.eventType, 'TesseraContract.Anonymous');
        assert.equal(e.declared, false);
        return true;
      });
      assert.equal(await repository.tryLoad(ContractClub, club.id), null);
    });
  });
}
