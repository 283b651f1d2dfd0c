import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  createTesseraDataSource,
  EnvironmentMasterKey,
  EventRepository,
  FORGOTTEN_VALUE,
  PersonalDataDecryptionError,
  PersonalDataNotConfiguredError,
} from '../../src';
import { personalDataContract } from '../../src/testing';
import { ContractClub } from '../../src/testing/contract/contract-club';
import { AppendStatements } from '../../src/infrastructure/append/append-statement';
import { isForgottenKeyViolation } from '../../src/infrastructure/append/forgotten-key-violation';
import { prepareAppend } from '../../src/domain/repository/append-batch';
import { EventSerializer } from '../../src/domain/codec/event-serializer';
import { useTestDatabase } from '../support/database';

const masterKey = new EnvironmentMasterKey({ key: randomBytes(32).toString('base64') });

/** Every row of every table in the database's schema, as text, with the table it came from. */
async function everyRow(dataSource: DataSource): Promise<string[]> {
  const tables: { table_name: string }[] = await dataSource.query(
    `SELECT table_name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
  );
  expect(tables.map((t) => t.table_name)).to.include.members([
    'events',
    'snapshots',
    'command_keys',
    'unique_values',
    'projection_checkpoints',
    'personal_data_keys',
  ]);
  const rows: string[] = [];
  for (const { table_name } of tables) {
    const found: { row: string }[] = await dataSource.query(
      `SELECT t::text AS row FROM "${table_name}" t`,
    );
    rows.push(...found.map((f) => `${table_name}: ${f.row}`));
  }
  return rows;
}

async function expectNoPlaintext(dataSource: DataSource, secrets: string[]): Promise<void> {
  const rows = await everyRow(dataSource);
  expect(rows.length).to.be.greaterThan(0);
  for (const secret of secrets) {
    const hit = rows.find((row) => row.includes(secret));
    expect(hit, `plaintext ${secret}`).to.equal(undefined);
  }
}

describe('EventRepository with personal data', () => {
  const db = useTestDatabase();
  const repository = (): EventRepository =>
    new EventRepository(db.dataSource, { personalData: { masterKey } });

  personalDataContract('EventRepository', repository, { describe, it });
  personalDataContract(
    'EventRepository with an opened-value cache',
    () => new EventRepository(db.dataSource, { personalData: { masterKey, valueCacheSize: 100 } }),
    { describe, it },
  );

  /** The key id a stored event's contact name was sealed with. */
  async function storedKeyId(aggregateId: string): Promise<string> {
    const [row]: { key: string }[] = await db.dataSource.query(
      `SELECT payload#>>'{contact,name,$pd}' AS key FROM events WHERE aggregate_id = $1`,
      [aggregateId],
    );
    return row.key;
  }

  async function currentKeyIds(subjectId: string): Promise<string[]> {
    const rows: { key_id: string }[] = await db.dataSource.query(
      `SELECT key_id FROM personal_data_keys WHERE subject_id = $1`,
      [subjectId],
    );
    return rows.map((r) => r.key_id);
  }

  describe('saves with the subject key cached', () => {
    it('seal with the cached key while it exists', async () => {
      const repo = repository();
      const ada = randomUUID();
      const first = new ContractClub(randomUUID());
      first.join(ada, 'Ada', 'ada@example.com');
      await repo.save(first);
      const second = new ContractClub(randomUUID());
      second.join(ada, 'Ada again', 'ada@example.com');
      await repo.save(second);
      expect(await storedKeyId(second.id)).to.equal(await storedKeyId(first.id));
      expect(await currentKeyIds(ada)).to.deep.equal([await storedKeyId(first.id)]);
    });

    it('run their guarded append on the generic plan PostgreSQL keeps after five executions', async () => {
      // One connection, so every save goes through the same prepared statements.
      const dataSource = createTesseraDataSource({ url: db.url, poolSize: 1 });
      await dataSource.initialize();
      try {
        const repo = new EventRepository(dataSource, { personalData: { masterKey } });
        const ada = randomUUID();
        for (let i = 0; i <= 8; i++) {
          const club = new ContractClub(randomUUID());
          club.join(ada, `Ada ${i}`, 'ada@example.com');
          // The first save reads (creates) the key; the next eight seal with the cached key.
          await repo.save(club);
        }
        const plans = await dataSource.query<{ generic_plans: string; custom_plans: string }[]>(
          "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name LIKE 'tessera_%' " +
            "AND statement LIKE 'INSERT INTO%events%personal_data_keys%'",
        );
        expect(plans.map((p) => [Number(p.generic_plans), Number(p.custom_plans)])).to.deep.equal([
          [3, 5],
        ]);
      } finally {
        await dataSource.destroy();
      }
    });

    it('after a forget by another process, write nothing under the destroyed key: the save is redone under a new key', async () => {
      const warm = repository();
      const other = repository();
      const ada = randomUUID();
      const first = new ContractClub(randomUUID());
      first.join(ada, 'Ada Before Forget', 'ada.before@example.com');
      await warm.save(first);
      const destroyed = await storedKeyId(first.id);
      expect(await other.forget(ada)).to.equal(true);

      const second = new ContractClub(randomUUID());
      second.join(ada, 'Ada After Forget', 'ada.after@example.com');
      second.note(ada, 'unrelated subject note');
      await warm.save(second);
      const [fresh] = await currentKeyIds(ada);
      expect(fresh).to.be.a('string').and.not.equal(destroyed);
      expect(await storedKeyId(second.id)).to.equal(fresh);
      // Each event once: the refused append wrote nothing.
      expect(await other.readStream(second.id)).to.have.length(2);
      for (const repo of [warm, other]) {
        expect((await repo.load(ContractClub, second.id)).members[0].name).to.equal(
          'Ada After Forget',
        );
        expect((await repo.load(ContractClub, first.id)).members[0].name).to.equal(FORGOTTEN_VALUE);
      }
      await expectNoPlaintext(db.dataSource, [
        'Ada Before Forget',
        'ada.before@example.com',
        'Ada After Forget',
        'ada.after@example.com',
        'unrelated subject note',
      ]);
    });

    it('in a caller transaction, read the key rather than trust the cache', async () => {
      const warm = repository();
      const ada = randomUUID();
      const first = new ContractClub(randomUUID());
      first.join(ada, 'Ada', 'ada@example.com');
      await warm.save(first);
      await repository().forget(ada);
      const second = new ContractClub(randomUUID());
      second.join(ada, 'Ada in a transaction', 'ada@example.com');
      // A refused statement would abort the caller's transaction: the save must not need a redo.
      await db.dataSource.transaction((manager) => warm.save(second, { manager }));
      expect(await storedKeyId(second.id)).to.equal((await currentKeyIds(ada))[0]);
      expect((await warm.load(ContractClub, second.id)).members[0].name).to.equal(
        'Ada in a transaction',
      );
    });

    for (const events of [1, 70]) {
      it(`refuse an append whose required key is gone, writing nothing (${events} events)`, async () => {
        const repo = repository();
        const ada = randomUUID();
        const living = new ContractClub(randomUUID());
        living.join(ada, 'Ada', 'ada@example.com');
        await repo.save(living);
        const appends = new AppendStatements(
          'events',
          'snapshots',
          'command_keys',
          'unique_values',
          'personal_data_keys',
        );
        const club = new ContractClub(randomUUID());
        for (let i = 0; i < events; i++) club.note(ada, 'a note');
        const batch = prepareAppend([club], {}, new EventSerializer());
        const run = async (requiredKeys: string[]): Promise<unknown> => {
          const { sql, params } = appends.build({ ...batch, requiredKeys });
          return db.dataSource.query(sql.text, params).then(
            () => undefined,
            (error: unknown) => error,
          );
        };
        const error = await run([await storedKeyId(living.id), randomUUID()]);
        expect(isForgottenKeyViolation(error), String(error)).to.equal(true);
        // One required key (a save of one subject) is asked for by a statement of its own.
        const alone = await run([randomUUID()]);
        expect(isForgottenKeyViolation(alone), String(alone)).to.equal(true);
        expect(await repo.readStream(club.id)).to.have.length(0);
        expect(await run([await storedKeyId(living.id)])).to.equal(undefined);
        expect(await repo.readStream(club.id)).to.have.length(events);
      });
    }
  });

  describe('the opened-value cache', () => {
    it('never gives a value whose key was forgotten, here or by another process', async () => {
      const cached = new EventRepository(db.dataSource, {
        personalData: { masterKey, valueCacheSize: 100 },
      });
      const other = repository();
      const ada = randomUUID();
      const bob = randomUUID();
      const club = new ContractClub(randomUUID());
      club.join(ada, 'Ada Cached', 'ada.cached@example.com');
      club.join(bob, 'Bob Cached', 'bob.cached@example.com');
      for (let i = 0; i < 6; i++) club.note(bob, `bob note ${i}`);
      await cached.save(club);
      const first = await cached.load(ContractClub, club.id);
      const again = await cached.load(ContractClub, club.id);
      expect(again.members).to.deep.equal(first.members);
      expect(again.notes).to.deep.equal(first.notes);
      // Cached objects are never shared between loads.
      expect(again.members[0]).to.not.equal(first.members[0]);

      await other.forget(ada);
      const after = await cached.load(ContractClub, club.id);
      expect(after.members.map((m) => m.name)).to.deep.equal([FORGOTTEN_VALUE, 'Bob Cached']);
      expect((await cached.readStream(club.id))[0].payload).to.have.nested.property(
        'contact.email',
        FORGOTTEN_VALUE,
      );
      // Forgotten in this process: from a warm cache too.
      await cached.forget(bob);
      await cached.forget(`member-${bob}`);
      const forgotten = await cached.load(ContractClub, club.id);
      expect(forgotten.members.map((m) => m.name)).to.deep.equal([
        FORGOTTEN_VALUE,
        FORGOTTEN_VALUE,
      ]);
      expect(forgotten.notes).to.deep.equal(Array.from({ length: 6 }, () => FORGOTTEN_VALUE));
    });
  });

  it('leaves no plaintext of a subject in any table, before and after forget', async () => {
    const repo = repository();
    const ada = randomUUID();
    const bob = randomUUID();
    const club = new ContractClub(randomUUID());
    club.join(ada, 'Ada Lovelace', 'ada.lovelace@example.com');
    club.note(ada, 'ada-private-note');
    club.join(bob, 'Bob Babbage', 'bob.babbage@example.com');
    // A snapshot would be due at version 3, and a command id writes a fingerprint.
    await repo.save(club, { commandId: randomUUID() });
    await repo.update(ContractClub, club.id, (c) => c.note(bob, 'bob-private-note'), {
      commandId: randomUUID(),
    });
    const secrets = ['Ada Lovelace', 'ada.lovelace@example.com', 'ada-private-note'];
    // The scan sees the payloads: the subject id, stored in plain text, is found.
    expect((await everyRow(db.dataSource)).some((row) => row.includes(ada))).to.equal(true);
    await expectNoPlaintext(db.dataSource, [...secrets, 'Bob Babbage', 'bob-private-note']);
    const snapshots: { n: number }[] = await db.dataSource.query(
      `SELECT count(*)::int AS n FROM snapshots`,
    );
    expect(snapshots).to.deep.equal([{ n: 0 }]);

    expect(await repo.forget(ada)).to.equal(true);
    expect(await repo.forget(`member-${ada}`)).to.equal(true);
    await expectNoPlaintext(db.dataSource, secrets);
    const loaded = await repo.load(ContractClub, club.id);
    expect(loaded.members.map((m) => m.email)).to.deep.equal([
      FORGOTTEN_VALUE,
      'bob.babbage@example.com',
    ]);
    expect(loaded.notes).to.deep.equal([FORGOTTEN_VALUE, 'bob-private-note']);
  });

  it('gives the placeholder after a forget by another process, whatever that one cached', async () => {
    const warm = repository();
    const other = repository();
    const ada = randomUUID();
    const club = new ContractClub(randomUUID());
    club.join(ada, 'Ada Lovelace', 'ada@example.com');
    await warm.save(club);
    expect((await warm.load(ContractClub, club.id)).members[0].name).to.equal('Ada Lovelace');
    await other.forget(ada);
    expect((await warm.load(ContractClub, club.id)).members[0].name).to.equal(FORGOTTEN_VALUE);
    expect((await warm.readStream(club.id))[0].payload).to.have.nested.property(
      'contact.name',
      FORGOTTEN_VALUE,
    );
  });

  it('decrypts streams longer than ten pages', async () => {
    const repo = new EventRepository(db.dataSource, { personalData: { masterKey }, pageSize: 3 });
    const ada = randomUUID();
    const club = new ContractClub(randomUUID());
    for (let i = 0; i < 40; i++) club.note(ada, `note ${i}`);
    await repo.save(club);
    const loaded = await repo.load(ContractClub, club.id);
    expect(loaded.notes).to.have.length(40);
    expect(loaded.notes[39]).to.equal('note 39');
  });

  it('rolls a subject key back with the caller transaction that created it', async () => {
    const repo = repository();
    const ada = randomUUID();
    const club = new ContractClub(randomUUID());
    club.join(ada, 'Ada', 'ada@example.com');
    await db.dataSource
      .transaction(async (manager) => {
        await repo.save(club, { manager });
        throw new Error('rolled back');
      })
      .catch(() => undefined);
    const keys: unknown[] = await db.dataSource.query(
      `SELECT 1 FROM personal_data_keys WHERE subject_id = $1`,
      [ada],
    );
    expect(keys).to.have.length(0);
    // The rolled-back key may be cached: the next save must not write under it.
    const later = new ContractClub(randomUUID());
    later.join(ada, 'Ada later', 'ada@example.com');
    await repo.save(later);
    expect(await currentKeyIds(ada)).to.deep.equal([await storedKeyId(later.id)]);
    expect((await repo.load(ContractClub, later.id)).members[0].name).to.equal('Ada later');
  });

  it('refuses personal data without the personalData option, writing nothing', async () => {
    const repo = new EventRepository(db.dataSource);
    const club = new ContractClub(randomUUID());
    club.join(randomUUID(), 'Ada', 'ada@example.com');
    const error = await repo.save(club).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(PersonalDataNotConfiguredError);
    expect(error).to.have.property('eventType', 'TesseraContract.MemberJoined');
    expect(await repo.readStream(club.id)).to.have.length(0);
  });

  it('refuses to open keys wrapped by another master key with PersonalDataDecryptionError', async () => {
    const ada = randomUUID();
    const club = new ContractClub(randomUUID());
    club.join(ada, 'Ada', 'ada@example.com');
    await repository().save(club);
    const stranger = new EventRepository(db.dataSource, {
      personalData: {
        masterKey: new EnvironmentMasterKey({ key: randomBytes(32).toString('base64') }),
      },
    });
    const error = await stranger.load(ContractClub, club.id).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(PersonalDataDecryptionError);
  });

  describe('16 concurrent saves of one subject racing forget', () => {
    it('write no plaintext; each value reads back or is forgotten, by the documented rule', async () => {
      const repo = repository();
      const ada = randomUUID();
      const names = Array.from({ length: 16 }, (_, i) => `Racing Ada ${i}`);
      const clubs = names.map((name) => {
        const club = new ContractClub(randomUUID());
        club.join(ada, name, `racing.ada.${name.length}@example.com`);
        return club;
      });
      // The subject exists before the race, so forget has a key to destroy.
      const first = new ContractClub(randomUUID());
      first.join(ada, 'Racing Ada first', 'first@example.com');
      await repo.save(first);

      const results = await Promise.all([
        ...clubs.map((club) => repository().save(club)),
        repository().forget(ada),
      ]);
      expect(results.pop()).to.equal(true);
      await expectNoPlaintext(db.dataSource, [...names, 'Racing Ada first']);

      // The rule: a save's values are sealed with the key it read just before its append. Read
      // before the forget, the key is destroyed with the others; read after, it is a new key.
      const current: { key_id: string }[] = await db.dataSource.query(
        `SELECT key_id FROM personal_data_keys WHERE subject_id = $1`,
        [ada],
      );
      for (const [i, club] of clubs.entries()) {
        const loaded = await repo.load(ContractClub, club.id);
        const [event]: { key: string }[] = await db.dataSource.query(
          `SELECT payload#>>'{contact,name,$pd}' AS key FROM events WHERE aggregate_id = $1`,
          [club.id],
        );
        const living = current.some((k) => k.key_id === event.key);
        expect(loaded.members[0].name).to.equal(living ? names[i] : FORGOTTEN_VALUE);
      }
      expect((await repo.load(ContractClub, first.id)).members[0].name).to.equal(FORGOTTEN_VALUE);

      // Forgotten again, nothing of the subject is readable any more.
      await repo.forget(ada);
      for (const club of clubs) {
        expect((await repo.load(ContractClub, club.id)).members[0].name).to.equal(FORGOTTEN_VALUE);
      }
      await expectNoPlaintext(db.dataSource, names);
    });
  });
});
