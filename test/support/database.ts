import { DataSource } from 'typeorm';
import { createTesseraDataSource } from '../../src/infrastructure/session/tessera-data-source';
import {
  createScratchDatabase,
  LocalPostgres,
  ScratchDatabase,
  startLocalPostgres,
} from '../../support/local-postgres';

/** A migrated scratch database owned by one `describe` block. */
export interface TestDatabase {
  readonly dataSource: DataSource;
  readonly url: string;
}

// One server per mocha process, started on first use so suites that never touch
// PostgreSQL (the domain tests) run without one.
let server: Promise<LocalPostgres> | undefined;

/** Starts (once) and returns the server every test database lives on. */
export function ensureTestServer(): Promise<LocalPostgres> {
  server ??= startLocalPostgres().catch((error: unknown) => {
    // Let a later suite retry instead of replaying a cached failure.
    server = undefined;
    throw error;
  });
  return server;
}

/** Stops the shared server if this process started one; called from the root hooks. */
export async function stopTestServer(): Promise<void> {
  const started = server;
  server = undefined;
  if (started !== undefined) await (await started).stop();
}

/**
 * Call inside `describe`: gives the block its own freshly migrated database, dropped
 * afterwards. Scratch databases keep suites independent even when they run against a
 * shared DATABASE_URL server.
 */
export function useTestDatabase(): TestDatabase {
  let dataSource: DataSource | undefined;
  let scratch: ScratchDatabase | undefined;

  before(async function () {
    // Cold embedded start plus initdb can exceed mocha's default timeout on slow CI.
    this.timeout(120_000);
    const { url } = await ensureTestServer();
    scratch = await createScratchDatabase(url, 'tessera_test');
    dataSource = createTesseraDataSource({ url: scratch.url, poolSize: 10 });
    await dataSource.initialize();
    await dataSource.runMigrations();
  });

  after(async function () {
    this.timeout(30_000);
    try {
      if (dataSource?.isInitialized) await dataSource.destroy();
    } finally {
      await scratch?.drop();
      dataSource = undefined;
      scratch = undefined;
    }
  });

  return {
    get dataSource(): DataSource {
      if (dataSource === undefined) throw notReady('dataSource');
      return dataSource;
    },
    get url(): string {
      if (scratch === undefined) throw notReady('url');
      return scratch.url;
    },
  };
}

function notReady(what: string): Error {
  return new Error(
    `useTestDatabase().${what} used outside a test: read it inside it()/beforeEach(), ` +
      'after the before() hook that useTestDatabase() registered has run',
  );
}
