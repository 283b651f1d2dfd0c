import { spawnSync } from 'node:child_process';
import { watch, type FSWatcher } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What a file's mode and owner say about who may read it. */
export interface FileAccess {
  readonly path: string;
  readonly mode: number;
  readonly uid: number;
  readonly directoryMode: number;
  readonly directoryUid: number;
  /** Root only: whether uid/gid 65534 (nobody) failed to read it for lack of permission. */
  readonly deniedToNobody?: boolean;
}

const NOBODY = 65534;

/**
 * A temp dir given to child processes as their TMPDIR, so that a test sees only what its own
 * children leave behind, and never touches another process's embedded servers.
 */
export class PrivateTmpdir {
  /** Every name that appeared directly in the directory while it was watched. */
  readonly namesSeen = new Set<string>();
  readonly #watcher: FSWatcher;

  private constructor(readonly path: string) {
    this.#watcher = watch(path, (_event, name) => {
      if (name !== null) this.namesSeen.add(name);
    });
  }

  static async create(): Promise<PrivateTmpdir> {
    const path = await mkdtemp(join(tmpdir(), 'tessera-cleanup-test-'));
    // Run as root, the server runs as `postgres`, which must pass through to its data directory.
    await chmod(path, 0o711);
    return new PrivateTmpdir(path);
  }

  /** Embedded-server directories and password files directly in the directory. */
  async leftovers(): Promise<string[]> {
    return (await readdir(this.path)).filter((name) => /^tessera-pg-|password/i.test(name));
  }

  /** Files named like a password file anywhere in the directory, outside PostgreSQL's data. */
  async passwordFiles(): Promise<FileAccess[]> {
    const entries = await readdir(this.path, { recursive: true });
    const found = entries
      .filter((entry) => !entry.split('/').includes('data') && /password/i.test(entry))
      .map((entry) => join(this.path, entry));
    return Promise.all(found.map((path) => access(path)));
  }

  /** Processes that run on something in `path` (this directory by default): by argv or cwd. */
  async processes(path = this.path): Promise<number[]> {
    const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
    const ours = await Promise.all(
      pids.map(async (pid) => {
        const argv = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
        const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => '');
        return argv.includes(path) || cwd.startsWith(path) ? Number(pid) : undefined;
      }),
    );
    return ours.filter((pid) => pid !== undefined);
  }

  /** Kills what a failed test left running in the directory (by pid: only those), then deletes it. */
  async remove(): Promise<void> {
    this.#watcher.close();
    for (const pid of await this.processes()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone meanwhile.
      }
    }
    await rm(this.path, { recursive: true, force: true, maxRetries: 3 });
  }
}

async function access(path: string): Promise<FileAccess> {
  const file = await stat(path);
  const directory = await stat(join(path, '..'));
  let deniedToNobody: boolean | undefined;
  if (process.getuid?.() === 0) {
    const attempt = spawnSync('cat', [path], { uid: NOBODY, gid: NOBODY, encoding: 'utf8' });
    deniedToNobody = attempt.status !== 0 && /permission denied/i.test(attempt.stderr);
  }
  return {
    path,
    mode: file.mode & 0o777,
    uid: file.uid,
    directoryMode: directory.mode & 0o777,
    directoryUid: directory.uid,
    deniedToNobody,
  };
}
