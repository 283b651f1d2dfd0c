import type { DataSource, MigrationInterface } from 'typeorm';
import { createTesseraDataSource } from '../../../src';
import {
  createScratchDatabase,
  withClient,
  type ScratchDatabase,
} from '../../../support/local-postgres';
import { startPgBouncer, type LocalPgBouncer } from '../../../support/pgbouncer';
import { ensureTestServer } from '../../support/database';

/** A migrated scratch database reached through a PgBouncer of its own (transaction mode). */
export interface PooledTestDatabase {
  /** The database through PgBouncer. */
  readonly url: string;
  /** The database directly on the server. */
  readonly directUrl: string;
  /** A new data source through PgBouncer, destroyed after the block. */
  open(options?: { poolSize?: number }): Promise<DataSource>;
}

/**
 * Call inside `describe`: a scratch database with the server's default statement timeout set on
 * the database (what a pooled data source needs), Tessera's and the given migrations applied,
 * and a PgBouncer in transaction mode in front of it with few server sessions, so consecutive
 * transactions of one client connection run on different server sessions.
 */
export function usePooledDatabase(
  options: { migrations?: ReadonlyArray<new () => MigrationInterface> } = {},
): PooledTestDatabase {
  let scratch: ScratchDatabase | undefined;
  let bouncer: LocalPgBouncer | undefined;
  const opened: DataSource[] = [];
  let url: string | undefined;

  const open = async (settings: { poolSize?: number } = {}): Promise<DataSource> => {
    if (url === undefined) throw new Error('usePooledDatabase() used before its before() hook');
    const dataSource = createTesseraDataSource({
      url,
      poolSize: settings.poolSize ?? 10,
      migrations: options.migrations,
    });
    opened.push(dataSource);
    return dataSource.initialize();
  };

  before(async function () {
    this.timeout(60_000);
    const server = await ensureTestServer();
    scratch = await createScratchDatabase(server.url, 'tessera_pooled');
    const name = scratch.name;
    await withClient(scratch.url, (client) =>
      client.query(`ALTER DATABASE "${name}" SET statement_timeout = 30000`),
    );
    bouncer = await startPgBouncer(server.url, { poolSize: 4 });
    const through = new URL(bouncer.url);
    through.pathname = `/${name}`;
    url = through.toString();
    const migrating = await open();
    await migrating.runMigrations();
  });

  after(async function () {
    this.timeout(30_000);
    try {
      for (const dataSource of opened.splice(0)) {
        if (dataSource.isInitialized) await dataSource.destroy();
      }
      await bouncer?.stop();
    } finally {
      await scratch?.drop();
    }
  });

  return {
    get url(): string {
      if (url === undefined) throw new Error('usePooledDatabase().url used outside a test');
      return url;
    },
    get directUrl(): string {
      if (!scratch) throw new Error('usePooledDatabase().directUrl used outside a test');
      return scratch.url;
    },
    open,
  };
}
