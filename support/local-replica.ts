import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from './free-port';
import { postgresOsUser, type OsUser } from './postgres-os-user';

const run = promisify(execFile);

/** A throwaway primary and a streaming replica of it, both on loopback. */
export interface ReplicatedPair {
  /** The primary's `postgres` database. */
  readonly primaryUrl: string;
  /** The replica's `postgres` database (read-only, hot standby). */
  readonly replicaUrl: string;
  /** Stops both servers and deletes their data. */
  stop(): Promise<void>;
}

/** The PostgreSQL binaries of the newest major version Debian installed. */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (majors.length === 0) throw new Error(`no PostgreSQL binaries under ${root}`);
  return join(root, majors[0], 'bin');
}

const FLAGS = [
  '-c',
  'listen_addresses=127.0.0.1',
  '-c',
  'unix_socket_directories=',
  '-c',
  'fsync=off',
  '-c',
  'full_page_writes=off',
  '-c',
  'wal_level=replica',
  '-c',
  'max_wal_senders=4',
];

/**
 * Starts a primary (initdb, trust authentication on loopback) and a replica made from it with
 * `pg_basebackup -R`, streaming. When this process is root both run as the `postgres` OS user.
 */
export async function startReplicatedPair(): Promise<ReplicatedPair> {
  const bin = postgresBinDir();
  const user = await postgresOsUser();
  const directory = mkdtempSync(join(tmpdir(), 'tessera-replica-'));
  if (user) chownSync(directory, user.uid, user.gid);
  const primaryDir = join(directory, 'primary');
  const replicaDir = join(directory, 'replica');
  const servers: ChildProcess[] = [];
  const killAll = (): void => {
    for (const server of servers) server.kill('SIGQUIT');
  };
  process.once('exit', killAll);
  const stop = async (): Promise<void> => {
    process.removeListener('exit', killAll);
    for (const server of servers.splice(0).reverse()) await halt(server);
    rmSync(directory, { recursive: true, force: true });
  };
  try {
    await as(user, join(bin, 'initdb'), [
      '-D',
      primaryDir,
      '-U',
      'postgres',
      '--auth=trust',
      '--no-sync',
    ]);
    const primaryPort = await freePort();
    servers.push(startServer(user, bin, primaryDir, primaryPort));
    const primaryUrl = `postgres://postgres@127.0.0.1:${primaryPort}/postgres`;
    await waitUntilReady(primaryUrl);
    await as(user, join(bin, 'pg_basebackup'), [
      '-h',
      '127.0.0.1',
      '-p',
      String(primaryPort),
      '-U',
      'postgres',
      '-D',
      replicaDir,
      '-R',
      '-X',
      'stream',
      '--no-sync',
    ]);
    const replicaPort = await freePort();
    servers.push(startServer(user, bin, replicaDir, replicaPort));
    const replicaUrl = `postgres://postgres@127.0.0.1:${replicaPort}/postgres`;
    await waitUntilReady(replicaUrl);
    return { primaryUrl, replicaUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function as(user: OsUser | undefined, file: string, args: string[]): Promise<void> {
  await run(file, args, { uid: user?.uid, gid: user?.gid, cwd: tmpdir() });
}

function startServer(
  user: OsUser | undefined,
  bin: string,
  dataDir: string,
  port: number,
): ChildProcess {
  const child = spawn(join(bin, 'postgres'), ['-D', dataDir, '-p', String(port), ...FLAGS], {
    uid: user?.uid,
    gid: user?.gid,
    cwd: tmpdir(),
    stdio: ['ignore', 'ignore', process.env.TESSERA_DEBUG_PG ? 'inherit' : 'ignore'],
  });
  return child;
}

async function halt(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = once(server, 'exit');
  // SIGINT: PostgreSQL's fast shutdown.
  server.kill('SIGINT');
  await exited;
}

async function waitUntilReady(url: string): Promise<void> {
  let last: unknown;
  for (let attempt = 0; attempt < 300; attempt++) {
    const client = new Client({ connectionString: url });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch (error) {
      last = error;
      await client.end().catch(() => undefined);
      await sleep(50);
    }
  }
  throw new Error(`server at ${url} did not become ready: ${String(last)}`, { cause: last });
}
