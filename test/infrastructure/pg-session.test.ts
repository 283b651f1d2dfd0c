import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { CorruptedStreamError, EventRepository } from '../../src';
import { BankAccount, Owner } from '../../examples/bank-account';
import { useTestDatabase } from '../support/database';
import { forgeEvents } from '../support/forge-events';
import { recordStatements } from '../support/record-statements';
import { Query } from 'pg';
import { streamsRows, type PgQueryClass } from '../../src/infrastructure/session/pg-session';

const ada = new Owner('Ada Lovelace', 'ada@example.com');

describe('EventRepository connections and statements', () => {
  const db = useTestDatabase();

  async function account(repository: EventRepository, deposits: number): Promise<BankAccount> {
    const opened = BankAccount.open(randomUUID(), ada, 'EUR');
    for (let i = 0; i < deposits; i++) opened.deposit(1);
    await repository.save(opened);
    return opened;
  }

  it('keeps a pooled connection after an error found while folding (it is healthy)', async () => {
    const repository = new EventRepository(db.dataSource);
    const broken = await account(repository, 3);
    await forgeEvents(db.dataSource, 'DELETE FROM events WHERE aggregate_id = $1 AND version = 2', [
      broken.id,
    ]);
    const pool = (db.dataSource.driver as unknown as { master: EventEmitter }).master;
    let opened = 0;
    const onConnect = (): void => {
      opened += 1;
    };
    // Warm: every later load can reuse an idle connection.
    await repository.load(BankAccount, (await account(repository, 1)).id);
    pool.on('connect', onConnect);
    try {
      for (let i = 0; i < 5; i++) {
        const error = await repository.load(BankAccount, broken.id).catch((e: unknown) => e);
        expect(error).to.be.instanceOf(CorruptedStreamError);
      }
    } finally {
      pool.off('connect', onConnect);
    }
    expect(opened, 'connections opened to replace discarded ones').to.equal(0);
  });

  it("gives a statement's error the stack of the code that ran it", async () => {
    const repository = new EventRepository(db.dataSource, { table: 'no_such_events' });
    const error = (await repository
      .load(BankAccount, randomUUID())
      .catch((e: unknown) => e)) as Error & { code?: string };
    expect(error.code).to.equal('42P01');
    expect(error.stack).to.match(/EventRepository/);
  });

  it('runs every statement unnamed with preparedStatements: false (PgBouncer before 1.21)', async () => {
    const repository = new EventRepository(db.dataSource, { preparedStatements: false });
    const recording = recordStatements(db.dataSource);
    try {
      const saved = await account(repository, 2);
      await repository.update(BankAccount, saved.id, (a) => a.deposit(5));
      const loaded = await repository.load(BankAccount, saved.id);
      expect(loaded.balance).to.equal(7);
    } finally {
      recording.restore();
    }
    expect(recording.statements.length).to.be.greaterThan(3);
    expect(recording.statements.map((s) => s.name)).to.deep.equal(
      recording.statements.map(() => undefined),
    );
  });

  it('falls back to config objects for a client class without pg.Query', async () => {
    type Callback = (error: Error | null, result: unknown) => void;
    type Config = { text: string; name?: string; values?: unknown[] };
    type Client = { query(config: Config, callback: Callback): void };
    type Driver = { obtainMasterConnection(): Promise<[Client, (error?: unknown) => void]> };
    const driver = db.dataSource.driver as unknown as Driver;
    const original = driver.obtainMasterConnection.bind(driver);
    const seen: Config[] = [];
    driver.obtainMasterConnection = async () => {
      const [client, release] = await original();
      // A plain object: no constructor with a Query, as a non-pg client would be.
      const plain: Client = {
        query: (config, callback) => {
          seen.push(config);
          client.query(config, callback);
        },
      };
      return [plain, release];
    };
    try {
      const repository = new EventRepository(db.dataSource);
      const saved = await account(repository, 2);
      expect((await repository.load(BankAccount, saved.id)).balance).to.equal(2);
    } finally {
      driver.obtainMasterConnection = original;
    }
    expect(seen.length).to.equal(2);
    for (const config of seen) {
      expect(config.name).to.match(/^tessera_/);
      expect(config.values).to.be.an('array');
    }
  });

  it('prepares its statements under a name by default', async () => {
    const repository = new EventRepository(db.dataSource);
    const recording = recordStatements(db.dataSource);
    try {
      await repository.load(BankAccount, (await account(repository, 1)).id);
    } finally {
      recording.restore();
    }
    expect(recording.statements).to.have.length(2);
    for (const statement of recording.statements) expect(statement.name).to.match(/^tessera_/);
  });
});

describe('streamsRows', () => {
  it("is true for pg's own Query and false for pg's NativeQuery, whose rows are collected", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- pg's internal module path
    const NativeQuery = require('pg/lib/native/query') as PgQueryClass;
    expect(streamsRows(Query as unknown as PgQueryClass)).to.equal(true);
    expect(streamsRows(NativeQuery)).to.equal(false);
    expect(streamsRows(undefined)).to.equal(false);
  });
});
