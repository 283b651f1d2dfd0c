import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdir, mkdtemp, readdir, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../support/free-port';
import { postgresOsUser, type OsUser } from '../../../support/postgres-os-user';

/** The stanza (pgBackRest's name for one cluster's backups) the test cluster uses. */
export const STANZA = 'tessera';

/**
 * A throwaway PostgreSQL cluster of the machine's own PostgreSQL (Debian's packages: pgBackRest
 * supports their major version), with WAL archiving into a pgBackRest repository beside it.
 * Everything lives in one temporary folder owned by the `postgres` OS user when this process is
 * root (PostgreSQL and pgBackRest refuse to run as root).
 */
export interface BackedUpCluster {
  /** Connection string of the `postgres` database (TCP on 127.0.0.1, with a password). */
  readonly url: string;
  /** Runs `pgbackrest --config=... --stanza=tessera <args>` as the cluster's OS user. */
  pgbackrest(args: readonly string[]): Promise<string>;
  /** `pg_ctl start -w`: returns once the server accepts connections (maybe still recovering). */
  start(): Promise<void>;
  /** `pg_ctl stop -m fast -w`: a clean shutdown, which archives the WAL still waiting. */
  stop(): Promise<void>;
  /** Stops the server if it runs and deletes the folder. */
  remove(): Promise<void>;
}

/** The machine's PostgreSQL binaries (the newest major under /usr/lib/postgresql). */
async function binaries(): Promise<string> {
  const root = '/usr/lib/postgresql';
  const majors = (await readdir(root)).filter((n) => /^\d+$/.test(n)).map(Number);
  if (majors.length === 0) throw new Error(`no PostgreSQL under ${root}`);
  return join(root, String(Math.max(...majors)), 'bin');
}

/** Creates, configures and starts the cluster, and creates the pgBackRest stanza for it. */
export async function startBackedUpCluster(): Promise<BackedUpCluster> {
  const user = await postgresOsUser();
  const bin = await binaries();
  const root = await mkdtemp(join(tmpdir(), 'tessera-pitr-'));
  const dirs = ['data', 'repo', 'log', 'lock', 'spool', 'socket'].map((d) => join(root, d));
  const [dataDir, repo, log, lock, spool, socket] = dirs;
  for (const dir of dirs) await mkdir(dir, { mode: 0o700 });
  const port = await freePort();
  const password = randomBytes(18).toString('base64url');
  const config = join(root, 'pgbackrest.conf');
  await writeFile(
    config,
    [
      '[global]',
      `repo1-path=${repo}`,
      'repo1-retention-full=1',
      `log-path=${log}`,
      `lock-path=${lock}`,
      `spool-path=${spool}`,
      'log-level-console=warn',
      'log-level-file=detail',
      'compress-type=none',
      'start-fast=y',
      `[${STANZA}]`,
      `pg1-path=${dataDir}`,
      `pg1-port=${port}`,
      `pg1-socket-path=${socket}`,
      'pg1-user=postgres',
      '',
    ].join('\n'),
  );
  const pwfile = join(root, 'pwfile');
  await writeFile(pwfile, `${password}\n`);
  if (user) await chownTree(root, user, [...dirs, config, pwfile]);

  const run = (command: string, args: readonly string[]): Promise<string> =>
    runAs(user, command, args, root);
  await run(join(bin, 'initdb'), [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    `--pwfile=${pwfile}`,
    '-E',
    'UTF8',
    '--locale=C',
  ]);
  await appendFile(
    join(dataDir, 'postgresql.conf'),
    [
      '',
      `port = ${port}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${socket}'`,
      'wal_level = replica',
      'archive_mode = on',
      `archive_command = 'pgbackrest --config=${config} --stanza=${STANZA} archive-push %p'`,
      'fsync = off',
      "timezone = 'UTC'",
      '',
    ].join('\n'),
  );
  let running = false;
  const cluster: BackedUpCluster = {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    pgbackrest: (args) => run('pgbackrest', [`--config=${config}`, `--stanza=${STANZA}`, ...args]),
    async start() {
      await run(join(bin, 'pg_ctl'), [
        'start',
        '-w',
        '-t',
        '120',
        '-D',
        dataDir,
        '-l',
        join(log, 'postgres.log'),
      ]);
      running = true;
    },
    async stop() {
      await run(join(bin, 'pg_ctl'), ['stop', '-w', '-t', '120', '-m', 'fast', '-D', dataDir]);
      running = false;
    },
    async remove() {
      try {
        if (running) await cluster.stop();
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    },
  };
  try {
    await cluster.start();
    await cluster.pgbackrest(['stanza-create']);
  } catch (error) {
    await cluster.remove();
    throw error;
  }
  return cluster;
}

async function chownTree(root: string, user: OsUser, paths: readonly string[]): Promise<void> {
  await chown(root, user.uid, user.gid);
  for (const path of paths) await chown(path, user.uid, user.gid);
}

function runAs(
  user: OsUser | undefined,
  command: string,
  args: readonly string[],
  cwd: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        cwd,
        uid: user?.uid,
        gid: user?.gid,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C' },
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error === null) return resolve(stdout);
        reject(
          new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stdout}\n${stderr}`),
        );
      },
    );
  });
}
