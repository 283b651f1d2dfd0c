import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import {
  ConcurrencyError,
  CorruptedStreamError,
  EventRepository,
  InvalidEventError,
  UnknownEventTypeError,
} from '../../src';
import { aggregateRepositoryContract } from '../../src/testing';
import { BankAccount, Owner } from '../../examples/bank-account';
import { useTestDatabase } from '../support/database';
import { forgeEvents } from '../support/forge-events';

const ada = new Owner('Ada Lovelace', 'ada@example.com');

describe('EventRepository on PostgreSQL', () => {
  const db = useTestDatabase();

  aggregateRepositoryContract('EventRepository', () => new EventRepository(db.dataSource), {
    describe,
    it,
  });

  async function openAccount(
    repository: EventRepository,
    deposits: number[] = [],
  ): Promise<BankAccount> {
    const account = BankAccount.open(randomUUID(), ada, 'EUR', 100);
    for (const amount of deposits) account.deposit(amount);
    await repository.save(account);
    return account;
  }

  describe("save() inside a caller's TypeORM transaction", () => {
    before(async () => {
      await db.dataSource.query(
        'CREATE TABLE audit_log (id serial PRIMARY KEY, note text NOT NULL)',
      );
    });

    it("writes nothing when the caller's transaction rolls back", async () => {
      const repository = new EventRepository(db.dataSource);
      const account = BankAccount.open(randomUUID(), ada, 'EUR');
      const rollback = new Error('rollback');
      const outcome = await db.dataSource
        .transaction(async (manager) => {
          await manager.query('INSERT INTO audit_log (note) VALUES ($1)', ['opened']);
          await repository.save(account, { manager });
          throw rollback;
        })
        .catch((e: unknown) => e);
      expect(outcome).to.equal(rollback);
      expect(await repository.tryLoad(BankAccount, account.id)).to.equal(null);
      const [{ count }] = await db.dataSource.query('SELECT count(*)::int AS count FROM audit_log');
      expect(count).to.equal(0);
    });

    it("commits the events together with the caller's rows", async () => {
      const repository = new EventRepository(db.dataSource);
      const account = BankAccount.open(randomUUID(), ada, 'EUR');
      await db.dataSource.transaction(async (manager) => {
        await manager.query('INSERT INTO audit_log (note) VALUES ($1)', [account.id]);
        await repository.save(account, { manager });
      });
      expect((await repository.load(BankAccount, account.id)).version).to.equal(1);
      const rows = await db.dataSource.query('SELECT note FROM audit_log WHERE note = $1', [
        account.id,
      ]);
      expect(rows).to.have.length(1);
    });

    it("keeps the caller's transaction usable after a ConcurrencyError", async () => {
      const repository = new EventRepository(db.dataSource);
      const account = await openAccount(repository);
      const stale = await repository.load(BankAccount, account.id);
      await repository.update(BankAccount, account.id, (a) => a.deposit(1));
      stale.deposit(2);
      await db.dataSource.transaction(async (manager) => {
        const error = await repository.save(stale, { manager }).catch((e: unknown) => e);
        expect(error).to.be.instanceOf(ConcurrencyError);
        expect((error as ConcurrencyError).actualVersion).to.equal(2);
        await manager.query('INSERT INTO audit_log (note) VALUES ($1)', ['after conflict']);
      });
      const rows = await db.dataSource.query(
        "SELECT 1 FROM audit_log WHERE note = 'after conflict'",
      );
      expect(rows).to.have.length(1);
    });
  });

  describe('rehydration of bad stored data', () => {
    it('rejects a stored payload that fails validation with InvalidEventError naming id, version and type', async () => {
      const repository = new EventRepository(db.dataSource);
      const account = await openAccount(repository, [10]);
      await forgeEvents(
        db.dataSource,
        `UPDATE events SET payload = '{"amount": -5}' WHERE aggregate_id = $1 AND version = 2`,
        [account.id],
      );
      const error = await repository.load(BankAccount, account.id).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(InvalidEventError);
      const invalid = error as InvalidEventError;
      expect(invalid.eventType).to.equal('BankAccount.MoneyDeposited');
      expect(invalid.location).to.deep.equal({
        aggregateId: account.id,
        aggregateType: 'BankAccount',
        version: 2,
      });
      expect(invalid.violations.map((v) => v.property)).to.deep.equal(['amount']);
    });

    it('rejects an unknown event_type with UnknownEventTypeError', async () => {
      const repository = new EventRepository(db.dataSource);
      const account = await openAccount(repository, [10]);
      await forgeEvents(
        db.dataSource,
        `UPDATE events SET event_type = 'BankAccount.Vanished' WHERE aggregate_id = $1 AND version = 2`,
        [account.id],
      );
      const error = await repository.load(BankAccount, account.id).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(UnknownEventTypeError);
      expect((error as UnknownEventTypeError).eventType).to.equal('BankAccount.Vanished');
      expect((error as UnknownEventTypeError).location?.version).to.equal(2);
    });

    it('detects a version gap instead of replaying around it', async () => {
      const repository = new EventRepository(db.dataSource);
      const account = await openAccount(repository, [10, 20]);
      await forgeEvents(
        db.dataSource,
        'DELETE FROM events WHERE aggregate_id = $1 AND version = 2',
        [account.id],
      );
      const error = await repository.load(BankAccount, account.id).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(CorruptedStreamError);
      expect(error).to.include({ expectedVersion: 2, foundVersion: 3 });
    });
  });

  describe('large appends (one array-parameter statement past 64 rows)', () => {
    it('appends 200 events in one save and replays them', async () => {
      const repository = new EventRepository(db.dataSource);
      const account = await openAccount(
        repository,
        Array.from({ length: 200 }, () => 1),
      );
      const loaded = await repository.load(BankAccount, account.id);
      expect(loaded.version).to.equal(201);
      expect(loaded.balance).to.equal(200);
      const snapshots = await db.dataSource.query(
        'SELECT version FROM snapshots WHERE aggregate_id = $1',
        [account.id],
      );
      expect(snapshots).to.deep.equal([{ version: 201 }]);
    });

    it('rejects a large append that would leave a gap, writing nothing', async () => {
      const repository = new EventRepository(db.dataSource);
      const account = BankAccount.open(randomUUID(), ada, 'EUR');
      account.markCommitted(); // as if version 1 existed
      for (let i = 0; i < 100; i++) account.deposit(1);
      const error = await repository.save(account).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ConcurrencyError);
      expect(error).to.include({ expectedVersion: 1, actualVersion: 0 });
      expect(await repository.readStream(account.id)).to.have.length(0);
    });

    it('rejects a large append that conflicts with a concurrent writer', async () => {
      const repository = new EventRepository(db.dataSource);
      const account = await openAccount(repository);
      const stale = await repository.load(BankAccount, account.id);
      await repository.update(BankAccount, account.id, (a) => a.deposit(5));
      for (let i = 0; i < 100; i++) stale.deposit(1);
      const error = await repository.save(stale).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ConcurrencyError);
      expect(error).to.include({ expectedVersion: 1, actualVersion: 2 });
      expect(await repository.readStream(account.id)).to.have.length(2);
    });
  });

  it('turns crossing saveAlls of the same aggregates into ConcurrencyError, never a deadlock', async () => {
    const repository = new EventRepository(db.dataSource);
    const outcomes = new Map<string, number>();
    for (let round = 0; round < 10; round++) {
      // Twenty aggregates per batch, in opposite orders: inserted in the order given, the two
      // statements would meet in the middle holding each other's unique-index entries.
      const accounts = await Promise.all(Array.from({ length: 20 }, () => openAccount(repository)));
      const load = () => Promise.all(accounts.map((acc) => repository.load(BankAccount, acc.id)));
      const [first, second] = await Promise.all([load(), load()]);
      for (const acc of [...first, ...second]) acc.deposit(1);
      const results = await Promise.allSettled([
        repository.saveAll(first),
        repository.saveAll(second.reverse()),
      ]);
      for (const result of results) {
        const key =
          result.status === 'fulfilled'
            ? 'saved'
            : result.reason instanceof ConcurrencyError
              ? 'conflict'
              : String((result.reason as { code?: string }).code ?? result.reason);
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      }
    }
    expect(Object.fromEntries(outcomes)).to.deep.equal({ saved: 10, conflict: 10 });
  });

  it('lets database errors other than a version conflict through as themselves', async () => {
    const repository = new EventRepository(db.dataSource);
    const account = await openAccount(repository);
    const [{ id }] = await db.dataSource.query('SELECT id FROM events WHERE aggregate_id = $1', [
      account.id,
    ]);
    const other = BankAccount.open(randomUUID(), ada, 'EUR');
    // Forge a duplicate event id: a unique violation, but of the primary key.
    (other.getUncommittedEnvelopes()[0] as { eventId: string }).eventId = id;
    const error = await repository.save(other).catch((e: unknown) => e);
    expect(error).not.to.be.instanceOf(ConcurrencyError);
    expect((error as { code?: string }).code).to.equal('23505');
    expect((error as { constraint?: string }).constraint).to.equal('events_pkey');
  });

  it('stores the ADR columns: aggregate_type, event_type, version, payload and metadata', async () => {
    const repository = new EventRepository(db.dataSource);
    const account = await openAccount(repository, [25]);
    const rows = await db.dataSource.query(
      'SELECT aggregate_type, event_type, version, payload, metadata, created_at, position, transaction_id FROM events WHERE aggregate_id = $1 ORDER BY version',
      [account.id],
    );
    expect(rows.map((r: { event_type: string }) => r.event_type)).to.deep.equal([
      'BankAccount.AccountOpened',
      'BankAccount.MoneyDeposited',
    ]);
    expect(rows[0].aggregate_type).to.equal('BankAccount');
    expect(rows[0].payload.owner).to.deep.equal({ name: 'Ada Lovelace', email: 'ada@example.com' });
    expect(rows[0].payload.openedAt).to.match(/^\d{4}-\d\d-\d\dT/);
    expect(rows[1].payload).to.deep.equal({ amount: 25 });
    expect(rows[1].metadata.schemaVersion).to.equal(1);
  });
});
