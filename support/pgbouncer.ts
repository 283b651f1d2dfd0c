import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port';
import { postgresOsUser } from './postgres-os-user';

/** Where Debian's `pgbouncer` package installs the binary. */
export const PGBOUNCER_BINARY = '/usr/sbin/pgbouncer';

/** A PgBouncer started by {@link startPgBouncer}. */
export interface LocalPgBouncer {
  /** `serverUrl` with host and port replaced by PgBouncer's. */
  readonly url: string;
  readonly port: number;
  /** Stops PgBouncer and deletes its configuration. */
  stop(): Promise<void>;
}

/** Options of {@link startPgBouncer}. */
export interface StartPgBouncerOptions {
  /** Server connections per database and user. Default 20. */
  readonly poolSize?: number;
  /** `pool_mode`. Default `transaction`. */
  readonly poolMode?: 'transaction' | 'session';
}

/** Whether PgBouncer is installed where {@link startPgBouncer} looks for it. */
export function pgBouncerInstalled(): boolean {
  return existsSync(PGBOUNCER_BINARY);
}

/**
 * Starts a PgBouncer on a free loopback port in front of the server of `serverUrl`, in
 * transaction pooling mode unless told otherwise. Every database of that server is reachable
 * through it (a `*` entry), with the server's credentials. PgBouncer refuses to run as root:
 * when this process is root it runs as the `postgres` OS user.
 */
export async function startPgBouncer(
  serverUrl: string,
  options: StartPgBouncerOptions = {},
): Promise<LocalPgBouncer> {
  if (!pgBouncerInstalled()) {
    throw new Error(`PgBouncer is not installed (${PGBOUNCER_BINARY}): apt-get install pgbouncer`);
  }
  const server = new URL(serverUrl);
  const port = await freePort();
  const user = await postgresOsUser();
  const directory = mkdtempSync(join(tmpdir(), 'tessera-pgbouncer-'));
  const userName = decodeURIComponent(server.username || 'postgres');
  const password = decodeURIComponent(server.password);
  const target = [
    `host=${server.hostname}`,
    `port=${server.port || '5432'}`,
    `user=${userName}`,
    ...(password === '' ? [] : [`password=${password}`]),
  ].join(' ');
  const ini = join(directory, 'pgbouncer.ini');
  const users = join(directory, 'userlist.txt');
  writeFileSync(users, `"${userName}" ""\n`);
  writeFileSync(
    ini,
    [
      '[databases]',
      `* = ${target}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${users}`,
      `pool_mode = ${options.poolMode ?? 'transaction'}`,
      `default_pool_size = ${options.poolSize ?? 20}`,
      'max_client_conn = 2000',
      // Idle server connections go soon, so a dropped test database is not held open.
      'server_idle_timeout = 5',
      'ignore_startup_parameters = extra_float_digits',
      `admin_users = ${userName}`,
      '',
    ].join('\n'),
  );
  if (user) {
    for (const path of [directory, ini, users]) chownSync(path, user.uid, user.gid);
  }

  const output: string[] = [];
  const child = spawn(PGBOUNCER_BINARY, [ini], {
    uid: user?.uid,
    gid: user?.gid,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const remember = (chunk: Buffer): void => {
    output.push(chunk.toString());
    if (output.length > 50) output.shift();
  };
  child.stdout.on('data', remember);
  child.stderr.on('data', remember);
  const exitedEarly = once(child, 'exit');
  const stopAtExit = (): void => void child.kill('SIGKILL');
  process.once('exit', stopAtExit);

  const stop = async (): Promise<void> => {
    process.removeListener('exit', stopAtExit);
    await terminate(child);
    rmSync(directory, { recursive: true, force: true });
  };
  try {
    await Promise.race([
      waitForPort(port),
      exitedEarly.then(() => {
        throw new Error('pgbouncer exited');
      }),
    ]);
  } catch (error) {
    await stop();
    throw new Error(`PgBouncer failed to start: ${String(error)}\n${output.join('')}`, {
      cause: error,
    });
  }

  const url = new URL(serverUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  url.password = '';
  return { url: url.toString(), port, stop };
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  // SIGINT: PgBouncer's "safe shutdown" waits for clients; SIGTERM closes at once.
  child.kill('SIGTERM');
  await exited;
}

async function waitForPort(port: number): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(25);
  }
  throw new Error(`nothing listens on port ${port}`);
}
