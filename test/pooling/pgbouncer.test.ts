import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { BankAccount, Owner } from '../../examples/bank-account';
import {
  createTesseraDataSource,
  EventRepository,
  StatementTimeoutNotInForceError,
  TESSERA_MIGRATIONS,
} from '../../src';
import { poolingOf } from '../../src/infrastructure/session/tessera-data-source';
import {
  createScratchDatabase,
  withClient,
  type ScratchDatabase,
} from '../../support/local-postgres';
import { startPgBouncer, type LocalPgBouncer } from '../../support/pgbouncer';
import { ensureTestServer } from '../support/database';

const ada = new Owner('Ada Lovelace', 'ada@example.com');

/** The scratch database's URL, reached through `bouncer`. */
function through(bouncer: LocalPgBouncer, scratch: ScratchDatabase): string {
  const url = new URL(bouncer.url);
  url.pathname = `/${scratch.name}`;
  return url.toString();
}

describe('Tessera behind PgBouncer in transaction pooling mode', function () {
  this.timeout(60_000);
  let bouncer: LocalPgBouncer;
  let scratch: ScratchDatabase;
  const opened: DataSource[] = [];

  before(async function () {
    const server = await ensureTestServer();
    scratch = await createScratchDatabase(server.url, 'tessera_pgbouncer');
    await withClient(scratch.url, (client) =>
      client.query(`ALTER DATABASE "${scratch.name}" SET statement_timeout = 30000`),
    );
    // Few server sessions for many client connections: statements keep changing sessions.
    bouncer = await startPgBouncer(server.url, { poolSize: 3 });
    const migrated = createTesseraDataSource({ url: through(bouncer, scratch) });
    await migrated.initialize();
    await migrated.runMigrations();
    await migrated.destroy();
  });

  after(async function () {
    for (const dataSource of opened) if (dataSource.isInitialized) await dataSource.destroy();
    await bouncer?.stop();
    await scratch?.drop();
  });

  async function open(dataSource: DataSource): Promise<DataSource> {
    opened.push(dataSource);
    return dataSource.initialize();
  }

  it('detects the pooler and connects, the role or database statement timeout in force', async () => {
    const dataSource = await open(createTesseraDataSource({ url: through(bouncer, scratch) }));
    expect(poolingOf(dataSource)).to.equal('transaction');
    const [{ timeout }] = await dataSource.query<{ timeout: string }[]>(
      'SELECT current_setting($1) AS timeout',
      ['statement_timeout'],
    );
    expect(timeout).to.equal('30s');
  });

  it('cancels a statement that outlasts the timeout through the pooler', async () => {
    const database = await createScratchDatabase((await ensureTestServer()).url, 'tessera_pgb_t');
    try {
      await withClient(database.url, (client) =>
        client.query(`ALTER DATABASE "${database.name}" SET statement_timeout = 300`),
      );
      const dataSource = await open(
        createTesseraDataSource({ url: through(bouncer, database), statementTimeoutMs: 300 }),
      );
      const error = (await dataSource.query('SELECT pg_sleep(5)').catch((e: unknown) => e)) as {
        driverError?: { code?: string };
      };
      expect(error.driverError?.code, 'query_canceled by statement_timeout').to.equal('57014');
      await dataSource.destroy();
    } finally {
      await database.drop();
    }
  });

  it('refuses to connect with StatementTimeoutNotInForceError when the server applies another timeout', async () => {
    const dataSource = createTesseraDataSource({
      url: through(bouncer, scratch),
      statementTimeoutMs: 5000,
    });
    const error = (await dataSource.initialize().catch((e: unknown) => e)) as Error;
    expect(error).to.be.instanceOf(StatementTimeoutNotInForceError);
    expect(error).to.include({ configuredMs: 5000, inForceMs: 30000, database: scratch.name });
    expect(error.message).to.match(/ALTER ROLE "postgres" IN DATABASE/);
    expect(dataSource.isInitialized).to.equal(false);
  });

  async function raceUpdates(repository: EventRepository): Promise<void> {
    const opened = BankAccount.open(randomUUID(), ada, 'EUR');
    await repository.save(opened);
    const results = await Promise.allSettled(
      Array.from({ length: 16 }, () =>
        repository.update(BankAccount, opened.id, (account) => account.deposit(10), {
          retries: 100,
        }),
      ),
    );
    const failures = results.filter((r) => r.status === 'rejected');
    expect(failures.map((f) => String(f.reason))).to.deep.equal([]);
    const account = await repository.load(BankAccount, opened.id);
    expect(account.balance).to.equal(160);
    expect(account.version).to.equal(17);
  }

  it('applies 16 racing updates exactly once each with prepared statements on by default', async () => {
    const dataSource = await open(createTesseraDataSource({ url: through(bouncer, scratch) }));
    await raceUpdates(new EventRepository(dataSource));
  });

  it('applies 16 racing updates on a plain TypeORM DataSource: named statements fall back unnamed', async () => {
    const dataSource = await open(
      new DataSource({
        type: 'postgres',
        url: through(bouncer, scratch),
        poolSize: 10,
        migrations: TESSERA_MIGRATIONS,
      }),
    );
    const repository = new EventRepository(dataSource);
    await raceUpdates(repository);
    await raceUpdates(repository);
    // Every connection of the pool is usable afterwards.
    const loads = Array.from({ length: 20 }, () =>
      repository.load(BankAccount, randomUUID()).catch((e: unknown) => (e as Error).name),
    );
    expect(new Set(await Promise.all(loads))).to.deep.equal(new Set(['AggregateNotFoundError']));
  });
});
