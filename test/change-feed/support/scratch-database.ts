import type { DataSource, DataSourceOptions, MigrationInterface } from 'typeorm';
import { createTesseraDataSource } from '../../../src/infrastructure/session/tessera-data-source';
import {
  createScratchDatabase,
  startLocalPostgres,
  type LocalPostgres,
  type ScratchDatabase,
} from '../../../support/local-postgres';
import { ensureTestServer } from '../../support/database';

/** Options of {@link useScratchDatabase}. */
export interface ScratchDatabaseOptions {
  /** Put the database on a throwaway server started with `wal_level=logical`. */
  readonly logical?: boolean;
  readonly poolSize?: number;
  readonly entities?: DataSourceOptions['entities'];
  readonly migrations?: ReadonlyArray<new () => MigrationInterface>;
}

/** A migrated scratch database owned by one `describe` block. */
export interface ScratchTestDatabase {
  readonly dataSource: DataSource;
  readonly url: string;
  /** A second DataSource on the same database, e.g. to play a second process. */
  newDataSource(): Promise<DataSource>;
}

const LOGICAL_FLAGS = [
  '-c',
  'wal_level=logical',
  '-c',
  'max_replication_slots=10',
  '-c',
  'max_wal_senders=10',
];

// One logical-replication server per mocha process, started on first use and stopped by the
// root-level hook below (registered when a spec file imports this module).
let logicalServer: Promise<LocalPostgres> | undefined;

function ensureLogicalServer(): Promise<LocalPostgres> {
  logicalServer ??= startLocalPostgres({ forceEmbedded: true, postgresFlags: LOGICAL_FLAGS }).catch(
    (error: unknown) => {
      logicalServer = undefined;
      throw error;
    },
  );
  return logicalServer;
}

after(async function () {
  this.timeout(30_000);
  const started = logicalServer;
  logicalServer = undefined;
  if (started) await (await started).stop();
});

/**
 * Call inside `describe`: a fresh scratch database with Tessera's migrations (and the given
 * ones), on the shared test server or on a `wal_level=logical` one.
 */
export function useScratchDatabase(options: ScratchDatabaseOptions = {}): ScratchTestDatabase {
  let scratch: ScratchDatabase | undefined;
  const dataSources: DataSource[] = [];
  const open = async (): Promise<DataSource> => {
    if (!scratch) throw new Error('useScratchDatabase() used before its before() hook ran');
    const dataSource = createTesseraDataSource({
      url: scratch.url,
      poolSize: options.poolSize ?? 10,
      entities: options.entities,
      migrations: options.migrations,
    });
    await dataSource.initialize();
    dataSources.push(dataSource);
    return dataSource;
  };

  before(async function () {
    this.timeout(120_000);
    const server = options.logical ? await ensureLogicalServer() : await ensureTestServer();
    scratch = await createScratchDatabase(server.url, 'tessera_feed');
    const dataSource = await open();
    await dataSource.runMigrations();
  });

  after(async function () {
    this.timeout(30_000);
    try {
      for (const dataSource of dataSources.splice(0)) {
        if (dataSource.isInitialized) await dataSource.destroy();
      }
    } finally {
      await scratch?.drop();
      scratch = undefined;
    }
  });

  return {
    get dataSource(): DataSource {
      if (!dataSources[0]) throw new Error('useScratchDatabase().dataSource used outside a test');
      return dataSources[0];
    },
    get url(): string {
      if (!scratch) throw new Error('useScratchDatabase().url used outside a test');
      return scratch.url;
    },
    newDataSource: open,
  };
}

/** Polls `condition` until it holds, failing after `timeoutMs` with `what` in the message. */
export async function eventually(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
