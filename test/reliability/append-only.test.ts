import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { BankAccount, Owner } from '../../examples/bank-account';
import { ConcurrencyError, createTesseraDataSource, EventRepository } from '../../src';
import {
  APPEND_ONLY_VIOLATION,
  AppendOnlyEvents1732500002000,
  EVENT_MUTATION_SETTING,
  MAINTAINER_ROLE,
  WRITER_ROLE,
} from '../../src/migrations/1732500002000-AppendOnlyEvents';
import { useTestDatabase } from '../support/database';
import { forgeEvents } from '../support/forge-events';
import { reportFigure } from './support/report-figure';
import {
  inRolledBackTransaction,
  type TransactionSession,
} from './support/rolled-back-transaction';
import { sqlState } from './support/sql-state';

const owner = new Owner('Grace Hopper', 'grace@example.com');
const OPEN_HATCH = `SELECT set_config('${EVENT_MUTATION_SETTING}', 'on', true)`;
const PERMISSION_DENIED = '42501';

const MUTATIONS = [
  { verb: 'UPDATE', sql: `UPDATE events SET payload = '{"redacted": true}'` },
  { verb: 'DELETE', sql: 'DELETE FROM events' },
  { verb: 'TRUNCATE', sql: 'TRUNCATE events' },
] as const;

const tally = { refused: 0, allowed: 0, changedByRefused: 0 };

interface EventSnapshot {
  id: string;
  version: number;
  payload: unknown;
}

async function allEvents(q: Pick<TransactionSession, 'query'>): Promise<EventSnapshot[]> {
  return q.query<EventSnapshot>('SELECT id, version, payload FROM events ORDER BY position');
}

/** A role that exists only inside the current (rolled back) transaction. */
async function temporaryRole(session: TransactionSession, options: string): Promise<string> {
  const role = `tessera_probe_${randomBytes(5).toString('hex')}`;
  await session.query(`CREATE ROLE ${role} NOLOGIN ${options}`);
  return role;
}

/** Attempts each mutation; expects every one refused with `code`, and the rows untouched. */
async function expectAllRefused(session: TransactionSession, code: string): Promise<void> {
  const before = await allEvents(session);
  for (const { verb, sql } of MUTATIONS) {
    const error = await session.attempt(sql);
    tally.refused += 1;
    expect(sqlState(error), `${verb}: ${String(error)}`).to.equal(code);
  }
  const after = await allEvents(session);
  if (JSON.stringify(after) !== JSON.stringify(before)) tally.changedByRefused += 1;
  expect(after).to.deep.equal(before);
}

describe('events are append-only in the database (migration AppendOnlyEvents)', () => {
  const db = useTestDatabase();

  before(async () => {
    const repository = new EventRepository(db.dataSource);
    for (let i = 0; i < 3; i++) {
      const account = BankAccount.open(randomUUID(), owner, 'EUR');
      account.deposit(100 + i);
      await repository.save(account);
    }
  });

  after(() => {
    reportFigure(
      'append-only',
      `${tally.refused} UPDATE/DELETE/TRUNCATE attempts refused, ${tally.allowed} allowed through ` +
        `the escape hatch, rows changed by refused attempts: ${tally.changedByRefused}`,
    );
  });

  describe('without the escape hatch', () => {
    it('refuses UPDATE, DELETE and TRUNCATE from a superuser with SQLSTATE TS001, changing nothing', async () => {
      await inRolledBackTransaction(db.dataSource, async (session) => {
        const [{ superuser }] = await session.query<{ superuser: boolean }>(
          'SELECT rolsuper AS superuser FROM pg_roles WHERE rolname = current_user',
        );
        expect(superuser, 'the test connection is a superuser').to.equal(true);
        await expectAllRefused(session, APPEND_ONLY_VIOLATION);
      });
    });

    it('says why and names the escape hatch in the error', async () => {
      const error = await db.dataSource
        .query<unknown>('DELETE FROM events WHERE version = 1')
        .catch((e: unknown) => e);
      tally.refused += 1;
      const driverError = (error as { driverError: { message: string; hint: string } }).driverError;
      expect(driverError.message).to.equal(
        'events are append-only: DELETE on public.events refused',
      );
      expect(driverError.hint).to.include(MAINTAINER_ROLE).and.include(EVENT_MUTATION_SETTING);
    });

    it('refuses even an UPDATE that matches no row', async () => {
      const error = await db.dataSource
        .query<unknown>('UPDATE events SET version = version WHERE false')
        .catch((e: unknown) => e);
      tally.refused += 1;
      expect(sqlState(error)).to.equal(APPEND_ONLY_VIOLATION);
    });

    it('stays on under session_replication_role = replica (the trigger is ENABLE ALWAYS)', async () => {
      await inRolledBackTransaction(db.dataSource, async (session) => {
        await session.query('SET LOCAL session_replication_role = replica');
        await expectAllRefused(session, APPEND_ONLY_VIOLATION);
      });
    });
  });

  describe('the escape hatch', () => {
    it(`lets a member of ${MAINTAINER_ROLE} update, delete and truncate once the setting is on`, async () => {
      await inRolledBackTransaction(db.dataSource, async (session) => {
        const member = await temporaryRole(session, `IN ROLE ${MAINTAINER_ROLE}`);
        await session.query(`SET LOCAL ROLE ${member}`);
        await session.query(OPEN_HATCH);
        const [first] = await allEvents(session);

        await session.query(`UPDATE events SET payload = '{"redacted": true}' WHERE id = $1`, [
          first.id,
        ]);
        const [redacted] = await session.query<EventSnapshot>(
          'SELECT payload FROM events WHERE id = $1',
          [first.id],
        );
        expect(redacted.payload).to.deep.equal({ redacted: true });
        await session.query('DELETE FROM events WHERE id = $1', [first.id]);
        await session.query('TRUNCATE events');
        tally.allowed += 3;
        expect(await allEvents(session)).to.deep.equal([]);
      });
    });

    it(`refuses a member of ${MAINTAINER_ROLE} who did not turn the setting on`, async () => {
      await inRolledBackTransaction(db.dataSource, async (session) => {
        const member = await temporaryRole(session, `IN ROLE ${MAINTAINER_ROLE}`);
        await session.query(`SET LOCAL ROLE ${member}`);
        await expectAllRefused(session, APPEND_ONLY_VIOLATION);
      });
    });

    it(`refuses a role that holds UPDATE, DELETE and TRUNCATE but is not a member of ${MAINTAINER_ROLE}, setting or not`, async () => {
      await inRolledBackTransaction(db.dataSource, async (session) => {
        const outsider = await temporaryRole(session, '');
        await session.query(`GRANT SELECT, UPDATE, DELETE, TRUNCATE ON events TO ${outsider}`);
        await session.query(`SET LOCAL ROLE ${outsider}`);
        await session.query(OPEN_HATCH);
        await expectAllRefused(session, APPEND_ONLY_VIOLATION);
      });
    });

    it('closes when the transaction that opened it ends', async () => {
      const runner = db.dataSource.createQueryRunner();
      try {
        await runner.startTransaction();
        await runner.query(OPEN_HATCH);
        await runner.commitTransaction();
        // Same connection, next transaction: SET LOCAL did not outlive its transaction.
        const error = await runner.manager
          .query<unknown>('DELETE FROM events WHERE false')
          .catch((e: unknown) => e);
        tally.refused += 1;
        expect(sqlState(error)).to.equal(APPEND_ONLY_VIOLATION);
      } finally {
        await runner.release();
      }
    });

    it('lets a superuser (a member of every role) erase a payload for good', async () => {
      const repository = new EventRepository(db.dataSource);
      const account = BankAccount.open(randomUUID(), owner, 'EUR');
      await repository.save(account);
      await forgeEvents(
        db.dataSource,
        `UPDATE events SET payload = jsonb_set(payload, '{owner,email}', '"erased@invalid"') WHERE aggregate_id = $1`,
        [account.id],
      );
      tally.allowed += 1;
      const [stored] = await repository.readStream(account.id);
      expect((stored.payload as { owner: { email: string } }).owner.email).to.equal(
        'erased@invalid',
      );
    });
  });

  describe(`the least-privilege role ${WRITER_ROLE}`, () => {
    let writerDataSource: DataSource;

    before(async () => {
      // The startup parameter `role` makes every pooled connection act as the writer.
      const url = `${db.url}${db.url.includes('?') ? '&' : '?'}options=${encodeURIComponent(
        `-c role=${WRITER_ROLE}`,
      )}`;
      writerDataSource = createTesseraDataSource({ url, poolSize: 2 });
      await writerDataSource.initialize();
    });

    after(async () => {
      if (writerDataSource?.isInitialized) await writerDataSource.destroy();
    });

    it('holds SELECT and INSERT on events and no other table privilege', async () => {
      const rows = await db.dataSource.query<{ privilege: string; granted: boolean }[]>(
        `SELECT p AS privilege, has_table_privilege($1, 'events', p) AS granted
           FROM unnest(ARRAY['SELECT','INSERT','UPDATE','DELETE','TRUNCATE','REFERENCES','TRIGGER']) AS p`,
        [WRITER_ROLE],
      );
      const granted = rows.filter((r) => r.granted).map((r) => r.privilege);
      expect(granted).to.deep.equal(['SELECT', 'INSERT']);
    });

    it('saves, loads and detects conflicts through EventRepository', async () => {
      const [{ user }] = await writerDataSource.query<{ user: string }[]>(
        'SELECT current_user AS user',
      );
      expect(user).to.equal(WRITER_ROLE);
      const repository = new EventRepository(writerDataSource);
      const account = BankAccount.open(randomUUID(), owner, 'USD');
      await repository.save(account, { actor: 'writer' });
      const a = await repository.load(BankAccount, account.id);
      const b = await repository.load(BankAccount, account.id);
      a.deposit(5);
      b.deposit(7);
      await repository.save(a);
      const conflict = await repository.save(b).catch((e: unknown) => e);
      expect(conflict).to.be.instanceOf(ConcurrencyError);
      await repository.update(BankAccount, account.id, (x) => x.withdraw(5));
      const loaded = await repository.load(BankAccount, account.id);
      expect(loaded.version).to.equal(3);
      expect(loaded.balance).to.equal(0);
    });

    it('is denied UPDATE, DELETE and TRUNCATE (42501), escape hatch or not', async () => {
      await inRolledBackTransaction(db.dataSource, async (session) => {
        await session.query(`SET LOCAL ROLE ${WRITER_ROLE}`);
        await expectAllRefused(session, PERMISSION_DENIED);
        await session.query(OPEN_HATCH);
        await expectAllRefused(session, PERMISSION_DENIED);
      });
    });
  });

  describe('the migration', () => {
    it('down() removes the trigger and the grants but keeps the cluster-wide roles; up() runs again over existing roles', async () => {
      const migration = new AppendOnlyEvents1732500002000();
      const runner = db.dataSource.createQueryRunner();
      try {
        // DDL is transactional in PostgreSQL: the round trip is rolled back afterwards.
        await runner.startTransaction();
        await migration.down(runner);
        await runner.query('DELETE FROM events WHERE false');
        const [after] = await runner.manager.query<
          { maintainer: boolean; writer: boolean; writer_insert: boolean }[]
        >(
          `SELECT to_regrole($1) IS NOT NULL AS maintainer, to_regrole($2) IS NOT NULL AS writer,
                  has_table_privilege($2, 'events', 'INSERT') AS writer_insert`,
          [MAINTAINER_ROLE, WRITER_ROLE],
        );
        expect(after).to.deep.equal({ maintainer: true, writer: true, writer_insert: false });

        await migration.up(runner);
        await runner.query('SAVEPOINT again');
        const error = await runner.manager
          .query<unknown>('DELETE FROM events WHERE false')
          .catch((e: unknown) => e);
        expect(sqlState(error)).to.equal(APPEND_ONLY_VIOLATION);
        await runner.query('ROLLBACK TO SAVEPOINT again');
        const [restored] = await runner.manager.query<{ writer_insert: boolean }[]>(
          "SELECT has_table_privilege($1, 'events', 'INSERT') AS writer_insert",
          [WRITER_ROLE],
        );
        expect(restored.writer_insert).to.equal(true);
      } finally {
        if (runner.isTransactionActive) await runner.rollbackTransaction();
        await runner.release();
      }
    });
  });
});
