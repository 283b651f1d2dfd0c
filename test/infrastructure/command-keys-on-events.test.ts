import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { BankAccount, Owner } from '../../examples/bank-account';
import { CommandIdReusedError, EventRepository } from '../../src';
import { EventArchiver } from '../../src/infrastructure/archive/event-archiver';
import { EventsPartitioner } from '../../src/infrastructure/partitioning/events-partitioner';
import { LEGACY_COMMAND_KEY_WRITE } from '../../src/migrations/1732500060000-CommandKeysOnEvents';
import { eventually, useScratchDatabase } from '../change-feed/support/scratch-database';

const ada = new Owner('Ada Lovelace', 'ada@example.com');

/** Every stored row of the stream, hot and archived. */
async function storedRows(dataSource: DataSource, id: string): Promise<number> {
  const [{ n }] = await dataSource.query<{ n: number }[]>(
    'SELECT (SELECT count(*) FROM events WHERE aggregate_id = $1) + ' +
      '(SELECT count(*) FROM events_archive WHERE aggregate_id = $1) AS n',
    [id],
  );
  return Number(n);
}

/** Makes the stream's events 200 days old (through the escape hatch), so the archiver takes it. */
async function ageStream(dataSource: DataSource, id: string): Promise<void> {
  await dataSource.transaction(async (manager) => {
    await manager.query(`SELECT set_config('tessera.allow_event_mutation', 'on', true)`);
    await manager.query(
      `UPDATE events SET created_at = created_at - interval '200 days' WHERE aggregate_id = $1`,
      [id],
    );
  });
}

/** Reverts migrations, newest first, until `name` is reverted too. */
async function undoThrough(dataSource: DataSource, name: string): Promise<void> {
  const applied = async (): Promise<boolean> =>
    (await dataSource.query<unknown[]>('SELECT 1 FROM migrations WHERE name = $1', [name])).length >
    0;
  while (await applied()) await dataSource.undoLastMigration();
}

async function refusal(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('the save was accepted'),
    (error: unknown) => error,
  );
}

/** An account at version 3: opened, then a deposit with `commandId`, then one without. */
async function accountWithKeyedDeposit(
  repository: EventRepository,
  commandId: string,
): Promise<string> {
  const id = randomUUID();
  await repository.save(BankAccount.open(id, ada, 'EUR'));
  await repository.update(BankAccount, id, (a) => a.deposit(25), { commandId });
  await repository.update(BankAccount, id, (a) => a.deposit(5));
  return id;
}

/**
 * The retries a key must answer once its row no longer carries it: the command run again on a
 * fresh load (the stream has moved on since), a save of the same events, and other events.
 */
async function expectKeyAnswers(
  repository: EventRepository,
  id: string,
  commandId: string,
): Promise<void> {
  const before = await repository.load(BankAccount, id);
  const rerun = await repository.update(BankAccount, id, (a) => a.deposit(25), { commandId });
  expect(rerun.balance, 'the command ran once').to.equal(30);
  expect(rerun.version).to.equal(before.version);

  const fresh = await repository.load(BankAccount, id);
  fresh.deposit(25);
  const replay = await repository.save(fresh, { commandId });
  expect(replay.replayed).to.equal(true);
  expect(replay.streams).to.deep.equal([
    { aggregateId: id, aggregateType: 'BankAccount', firstVersion: 2, lastVersion: 2 },
  ]);

  const other = await repository.load(BankAccount, id);
  other.deposit(99);
  expect(await refusal(repository.save(other, { commandId }))).to.be.instanceOf(
    CommandIdReusedError,
  );
}

describe('command keys on event rows', function () {
  this.timeout(120_000);

  describe('on the plain table', () => {
    const db = useScratchDatabase({ poolSize: 4 });

    it('writes the key on each stream’s first event of the save, NULL elsewhere', async () => {
      const repository = new EventRepository(db.dataSource);
      const a = BankAccount.open(randomUUID(), ada, 'EUR');
      a.deposit(1);
      a.deposit(2);
      const b = BankAccount.open(randomUUID(), ada, 'EUR');
      await repository.saveAll([a, b], { commandId: 'open-both' });
      const rows = await db.dataSource.query<
        {
          aggregate_id: string;
          version: number;
          command_id: string | null;
          command_last_version: number | null;
        }[]
      >(
        'SELECT aggregate_id::text, version, command_id, command_last_version FROM events ' +
          'WHERE aggregate_id = ANY($1::uuid[]) ORDER BY aggregate_id = $2 DESC, version',
        [[a.id, b.id], a.id],
      );
      expect(rows.map((r) => [r.version, r.command_id, r.command_last_version])).to.deep.equal([
        [1, 'open-both', 3],
        [2, null, null],
        [3, null, null],
        [1, 'open-both', 1],
      ]);
      const keys = await db.dataSource.query<unknown[]>('SELECT 1 FROM command_keys');
      expect(keys, 'no command_keys row is written').to.have.length(0);
    });

    it('checks a key written with its stream, which the command-key index leaves out', async () => {
      const repository = new EventRepository(db.dataSource);
      const id = randomUUID();
      const openedAt = new Date('2026-01-02T03:04:05Z');
      await repository.save(BankAccount.open(id, ada, 'EUR', 0, openedAt), { commandId: 'open' });
      const [row] = await db.dataSource.query<{ indexed: boolean }[]>(
        "SELECT EXISTS (SELECT 1 FROM events WHERE aggregate_id = $1 AND command_id = 'open' " +
          'AND version > 1) AS indexed',
        [id],
      );
      expect(row.indexed, 'the key sits on version 1').to.equal(false);
      await repository.update(BankAccount, id, (a) => a.deposit(5));

      const again = await repository.save(BankAccount.open(id, ada, 'EUR', 0, openedAt), {
        commandId: 'open',
      });
      expect(again.streams).to.deep.equal([
        { aggregateId: id, aggregateType: 'BankAccount', firstVersion: 1, lastVersion: 1 },
      ]);
      const reused = await refusal(
        repository.update(BankAccount, id, (a) => a.deposit(5), { commandId: 'open' }),
      );
      expect(reused).to.be.instanceOf(CommandIdReusedError);
      const large = await repository.load(BankAccount, id);
      for (let i = 0; i < 70; i++) large.deposit(1);
      expect(await refusal(repository.save(large, { commandId: 'open' }))).to.be.instanceOf(
        CommandIdReusedError,
      );
      expect(await storedRows(db.dataSource, id), 'nothing written').to.equal(2);
    });

    it('still answers a retry once the archiver moved the key’s event (the key goes to command_keys)', async () => {
      const repository = new EventRepository(db.dataSource);
      const id = await accountWithKeyedDeposit(repository, 'deposit-25');
      await ageStream(db.dataSource, id);
      for await (const _ of new EventArchiver(db.dataSource).run({ olderThan: '90 days' })) void _;
      const [archived] = await db.dataSource.query<{ command_id: string }[]>(
        'SELECT command_id FROM events_archive WHERE aggregate_id = $1 AND version = 2',
        [id],
      );
      expect(archived?.command_id, 'the archive keeps the row’s key').to.equal('deposit-25');
      const kept = await db.dataSource.query<{ first_version: number; last_version: number }[]>(
        'SELECT first_version, last_version FROM command_keys WHERE aggregate_id = $1 AND command_id = $2',
        [id, 'deposit-25'],
      );
      expect(kept).to.deep.equal([{ first_version: 2, last_version: 2 }]);

      const rows = await storedRows(db.dataSource, id);
      await expectKeyAnswers(repository, id, 'deposit-25');
      expect(await storedRows(db.dataSource, id), 'nothing written').to.equal(rows);
    });

    it('keeps the keys of a batch before it moves its events, waiting for open transactions', async () => {
      const repository = new EventRepository(db.dataSource);
      const id = await accountWithKeyedDeposit(repository, 'two-steps');
      await ageStream(db.dataSource, id);
      // A transaction open when the batch keeps its keys: its statements could hold a snapshot
      // that does not see them, so the events may not move until it ends.
      const gate = db.dataSource.createQueryRunner();
      await gate.connect();
      await gate.startTransaction();
      await gate.query('SELECT 1');
      const archived = (async () => {
        for await (const _ of new EventArchiver(db.dataSource).run({ olderThan: '90 days' }))
          void _;
      })();
      try {
        await eventually('the key kept in command_keys', async () => {
          const kept = await db.dataSource.query<unknown[]>(
            "SELECT 1 FROM command_keys WHERE aggregate_id = $1 AND command_id = 'two-steps'",
            [id],
          );
          return kept.length > 0;
        });
        await new Promise((resolve) => setTimeout(resolve, 300));
        const hot = await db.dataSource.query<unknown[]>(
          'SELECT 1 FROM events WHERE aggregate_id = $1',
          [id],
        );
        expect(hot, 'no event moved while the transaction is open').to.have.length(3);
        // A retry now is answered from command_keys as well as from the event row.
        const rerun = await repository.update(BankAccount, id, (a) => a.deposit(25), {
          commandId: 'two-steps',
        });
        expect(rerun.balance).to.equal(30);
      } finally {
        await gate.rollbackTransaction();
        await gate.release();
      }
      await archived;
      const moved = await db.dataSource.query<unknown[]>(
        'SELECT 1 FROM events_archive WHERE aggregate_id = $1',
        [id],
      );
      expect(moved).to.have.length(2);
      await expectKeyAnswers(repository, id, 'two-steps');
      expect(await storedRows(db.dataSource, id)).to.equal(3);
    });

    it('answers a retry from a key stored in command_keys before the keys moved onto events', async () => {
      const repository = new EventRepository(db.dataSource);
      const id = await accountWithKeyedDeposit(repository, 'legacy-deposit');
      // What a database migrated before CommandKeysOnEvents holds: the key in command_keys only.
      await db.dataSource.transaction(async (manager) => {
        await manager.query(`SELECT set_config('tessera.allow_event_mutation', 'on', true)`);
        await manager.query(
          'INSERT INTO command_keys (aggregate_id, command_id, fingerprint, first_version, last_version) ' +
            'SELECT aggregate_id, command_id, command_fingerprint, version, command_last_version ' +
            'FROM events WHERE aggregate_id = $1 AND command_id IS NOT NULL',
          [id],
        );
        await manager.query(
          'UPDATE events SET command_id = NULL, command_fingerprint = NULL, ' +
            'command_last_version = NULL WHERE aggregate_id = $1',
          [id],
        );
      });
      const rows = await storedRows(db.dataSource, id);
      await expectKeyAnswers(repository, id, 'legacy-deposit');
      // Past 64 events the append is the array form, with its own check of command_keys.
      const large = await repository.load(BankAccount, id);
      for (let i = 0; i < 70; i++) large.deposit(1);
      expect(
        await refusal(repository.save(large, { commandId: 'legacy-deposit' })),
      ).to.be.instanceOf(CommandIdReusedError);
      expect(await storedRows(db.dataSource, id), 'nothing written').to.equal(rows);
    });

    it('refuses a keyed save of a release from before the migration, writing nothing', async () => {
      const repository = new EventRepository(db.dataSource);
      const id = await accountWithKeyedDeposit(repository, 'rolling-deploy');
      // What an instance still on the previous release sends for the same command's retry: the
      // events and a command_keys row in one statement, blind to the key on the event row.
      const refused = await refusal(
        db.dataSource.query(
          'WITH w0 AS (INSERT INTO events (aggregate_id, aggregate_type, event_type, version, ' +
            "payload, metadata) VALUES ($1, 'BankAccount', 'BankAccount.MoneyDeposited', 4, " +
            `'{"amount":25}', '{"schemaVersion":1,"occurredAt":"2026-12-03T00:00:00.000Z"}') ` +
            'RETURNING 1) INSERT INTO command_keys (aggregate_id, command_id, fingerprint, ' +
            "first_version, last_version) VALUES ($1, 'rolling-deploy', 'f', 4, 4)",
          [id],
        ),
      );
      expect((refused as { driverError?: { code?: string } }).driverError?.code).to.equal(
        LEGACY_COMMAND_KEY_WRITE,
      );
      expect(await storedRows(db.dataSource, id), 'nothing written').to.equal(3);
      expect((await repository.load(BankAccount, id)).balance).to.equal(30);
    });

    it('answers a keyed save of more than 64 events (the array form) as a replay', async () => {
      const repository = new EventRepository(db.dataSource);
      const id = randomUUID();
      await repository.save(BankAccount.open(id, ada, 'EUR'));
      const first = await repository.load(BankAccount, id);
      for (let i = 0; i < 100; i++) first.deposit(1);
      const stale = await repository.load(BankAccount, id);
      for (let i = 0; i < 100; i++) stale.deposit(1);
      await repository.save(first, { commandId: 'hundred' });
      const replay = await repository.save(stale, { commandId: 'hundred' });
      expect(replay.streams[0]).to.include({ firstVersion: 2, lastVersion: 101 });
      const moved = await repository.load(BankAccount, id);
      for (let i = 0; i < 100; i++) moved.deposit(1);
      expect((await repository.save(moved, { commandId: 'hundred' })).replayed).to.equal(true);
      expect(await storedRows(db.dataSource, id)).to.equal(101);
    });

    it('keeps every key when the migration is reverted, and answers from command_keys after', async () => {
      const repository = new EventRepository(db.dataSource);
      const id = await accountWithKeyedDeposit(repository, 'before-revert');
      const onEvents = await db.dataSource.query<unknown[]>(
        'SELECT 1 FROM events WHERE command_id IS NOT NULL',
      );
      await undoThrough(db.dataSource, 'CommandKeysOnEvents1732500060000');
      const [{ n }] = await db.dataSource.query<{ n: number }[]>(
        'SELECT count(*)::int AS n FROM command_keys',
      );
      expect(n, 'every key on an event row copied into command_keys').to.be.at.least(
        onEvents.length,
      );
      await db.dataSource.runMigrations();
      const rows = await storedRows(db.dataSource, id);
      await expectKeyAnswers(repository, id, 'before-revert');
      expect(await storedRows(db.dataSource, id)).to.equal(rows);
    });
  });

  describe('on the hash-partitioned layout', () => {
    const db = useScratchDatabase({ poolSize: 4 });

    async function partition(): Promise<void> {
      for await (const _ of new EventsPartitioner(db.dataSource).run({ partitions: 4 })) void _;
    }

    it('names each partition’s key index so a replay is recognised', async () => {
      const repository = new EventRepository(db.dataSource);
      const id = await accountWithKeyedDeposit(repository, 'before-partitioning');
      await partition();
      const indexes = await db.dataSource.query<{ name: string }[]>(
        "SELECT indexname AS name FROM pg_indexes WHERE indexname LIKE 'uq_events_command_key%' " +
          'ORDER BY indexname',
      );
      expect(indexes.map((i) => i.name)).to.include.members([
        'uq_events_command_key',
        'uq_events_command_key_p00',
        'uq_events_command_key_p03',
      ]);
      await expectKeyAnswers(repository, id, 'before-partitioning');
      const fresh = await accountWithKeyedDeposit(repository, 'after-partitioning');
      await expectKeyAnswers(repository, fresh, 'after-partitioning');
    });

    it('adds the key columns and per-partition indexes to a table partitioned before them', async () => {
      const repository = new EventRepository(db.dataSource);
      // Back to the schema before CommandKeysOnEvents, on the partitioned table, then forward.
      await undoThrough(db.dataSource, 'CommandKeysOnEvents1732500060000');
      const columns = await db.dataSource.query<unknown[]>(
        "SELECT 1 FROM information_schema.columns WHERE table_name = 'events' AND column_name = 'command_id'",
      );
      expect(columns).to.have.length(0);
      await db.dataSource.runMigrations();
      const [parent] = await db.dataSource.query<{ kind: string }[]>(
        "SELECT relkind::text AS kind FROM pg_class WHERE relname = 'uq_events_command_key'",
      );
      expect(parent?.kind, 'a partitioned index on the parent').to.equal('I');
      const attached = await db.dataSource.query<{ name: string }[]>(
        'SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid ' +
          "WHERE i.inhparent = 'uq_events_command_key'::regclass ORDER BY 1",
      );
      expect(attached.map((a) => a.name)).to.deep.equal([
        'uq_events_command_key_p00',
        'uq_events_command_key_p01',
        'uq_events_command_key_p02',
        'uq_events_command_key_p03',
      ]);
      const id = await accountWithKeyedDeposit(repository, 'migrated-partitions');
      await expectKeyAnswers(repository, id, 'migrated-partitions');
    });
  });
});
