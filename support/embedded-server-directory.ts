import type { ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { constants, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OsUser } from './postgres-os-user';

/**
 * The directory one embedded PostgreSQL server lives in, `<tmpdir>/tessera-pg-XXXXXX`, made so
 * that it does not outlive the process that created it:
 *
 * - On any exit of this process (the end of the program, `process.exit`, an uncaught error such
 *   as EPIPE from `npm start | head`) the server running on {@link dataDir} and every process
 *   handed to {@link killOnExit} are stopped, then the directory is deleted.
 * - SIGINT, SIGTERM and SIGHUP do the same and exit with 128 + the signal's number, as Node's
 *   default would (without cleaning up). These handlers exist only while a directory does.
 * - SIGKILL leaves the directory behind, with a server still running in it. Its `owner` marker
 *   names the dead process, so the next {@link createEmbeddedServerDirectory} (in any process of
 *   the same OS user and temp dir) stops that server and deletes the directory. A directory whose
 *   owner is alive, that has no marker, or that belongs to another OS user is never touched.
 *
 * Only its owner may enter it (mode 0700; 0710 with the server's group when root starts the
 * server as `postgres`). Stopping a server relies on Linux's /proc to check that a pid still is
 * that server.
 */
export interface EmbeddedServerDirectory {
  /** The directory itself. */
  readonly path: string;
  /** `<path>/data`: empty, for initdb; owned by the server's OS user. */
  readonly dataDir: string;
  /** Also kill `child` and its process group if this process exits while it runs (spawn it detached). */
  killOnExit(child: ChildProcess): void;
  /** Stops any server still running on {@link dataDir}, then deletes the directory. */
  remove(): Promise<void>;
}

const PREFIX = 'tessera-pg-';
const OWNER_FILE = 'owner';
const EXIT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
// How long to wait for a server's immediate shutdown before it gets SIGKILL.
const SHUTDOWN_TIMEOUT_MS = 5_000;

/** Written into each directory: which process owns it. */
interface OwnerMarker {
  readonly pid: number;
  readonly host: string;
}

/** Directories of this process not yet removed, deleted by {@link removeAllNow} on exit. */
const live = new Set<{ removeNow(): void }>();

/**
 * Deletes abandoned directories (see {@link EmbeddedServerDirectory}), then creates a fresh one.
 *
 * @param serverUser the OS user the server runs as when it is not this process's own (root
 *   starts it as `postgres`): it gets the data directory and may pass through the directory.
 */
export function createEmbeddedServerDirectory(serverUser?: OsUser): EmbeddedServerDirectory {
  const base = realpathSync(tmpdir());
  removeAbandoned(base);

  // Synchronous from here to the guard's registration: no signal handler can run in between,
  // so there is no moment at which the directory exists and nothing would delete it.
  const path = mkdtempSync(join(base, PREFIX));
  const dataDir = join(path, 'data');
  const children: ChildProcess[] = [];
  const removeNow = (): void => {
    for (const child of children) killGroup(child);
    stopServer(dataDir);
    // The marker goes last: a directory that could not be emptied is still known as ours.
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 3 });
    rmSync(path, { recursive: true, force: true, maxRetries: 3 });
  };
  const guard = { removeNow };
  try {
    const marker: OwnerMarker = { pid: process.pid, host: hostname() };
    writeFileSync(join(path, OWNER_FILE), JSON.stringify(marker), { mode: 0o600, flag: 'wx' });
    mkdirSync(dataDir, { mode: 0o700 });
    if (serverUser !== undefined) {
      chownSync(path, process.getuid?.() ?? 0, serverUser.gid);
      chmodSync(path, 0o710);
      chownSync(dataDir, serverUser.uid, serverUser.gid);
    }
  } catch (error) {
    rmSync(path, { recursive: true, force: true });
    throw error;
  }
  track(guard);

  return {
    path,
    dataDir,
    killOnExit(child: ChildProcess): void {
      children.push(child);
    },
    remove(): Promise<void> {
      if (!live.has(guard)) return Promise.resolve();
      removeNow();
      // Only once it is gone: if deleting failed, the exit handler tries again.
      untrack(guard);
      return Promise.resolve();
    },
  };
}

function track(guard: { removeNow(): void }): void {
  if (live.size === 0) {
    process.on('exit', removeAllNow);
    for (const signal of EXIT_SIGNALS) process.on(signal, exitOnSignal);
  }
  live.add(guard);
}

function untrack(guard: { removeNow(): void }): void {
  if (!live.delete(guard) || live.size > 0) return;
  process.off('exit', removeAllNow);
  for (const signal of EXIT_SIGNALS) process.off(signal, exitOnSignal);
}

function exitOnSignal(signal: NodeJS.Signals): void {
  // The 'exit' event this raises runs removeAllNow.
  process.exit(128 + constants.signals[signal]);
}

function removeAllNow(): void {
  for (const guard of live) {
    try {
      guard.removeNow();
    } catch (error) {
      report(`could not clean up an embedded PostgreSQL directory: ${String(error)}`);
    }
  }
  live.clear();
}

function removeAbandoned(base: string): void {
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(PREFIX)) continue;
    const path = join(base, name);
    try {
      if (!isAbandoned(path)) continue;
      stopServer(join(path, 'data'));
      rmSync(join(path, 'data'), { recursive: true, force: true, maxRetries: 3 });
      rmSync(path, { recursive: true, force: true, maxRetries: 3 });
    } catch (error) {
      // ENOENT: another process removed it meanwhile.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        report(`left ${path} in place: ${String(error)}`);
      }
    }
  }
}

function isAbandoned(path: string): boolean {
  const stat = lstatSync(path);
  if (!stat.isDirectory() || stat.uid !== process.getuid?.()) return false;
  let owner: Partial<OwnerMarker>;
  try {
    owner = JSON.parse(readFileSync(join(path, OWNER_FILE), 'utf8')) as Partial<OwnerMarker>;
  } catch {
    // No marker (yet, or not one of ours), or one being written: not known to be abandoned.
    return false;
  }
  return (
    Number.isInteger(owner.pid) &&
    owner.pid !== process.pid &&
    owner.host === hostname() &&
    !isAlive(owner.pid as number)
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, as another user's process.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Shuts down the postmaster named in `dataDir`'s postmaster.pid, if that pid still is a
 * postgres running on `dataDir`: immediate shutdown (SIGQUIT), as the data is thrown away.
 */
function stopServer(dataDir: string): void {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8'), 10);
  } catch {
    return;
  }
  if (!runsOn(pid, dataDir)) return;
  signal(pid, 'SIGQUIT');
  if (waitUntil(() => !runsOn(pid, dataDir), SHUTDOWN_TIMEOUT_MS)) return;
  signal(pid, 'SIGKILL');
  waitUntil(() => !runsOn(pid, dataDir), SHUTDOWN_TIMEOUT_MS);
}

/** True while `pid` is a live process started as `postgres -D <dataDir>` (a zombie has no argv). */
function runsOn(pid: number, dataDir: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return argv.some((arg, i) => arg === '-D' && argv[i + 1] === dataDir);
  } catch {
    return false;
  }
}

function killGroup(child: ChildProcess): void {
  const group = child.pid;
  if (group === undefined || child.exitCode !== null || child.signalCode !== null) return;
  signal(-group, 'SIGKILL');
  signal(group, 'SIGKILL');
  waitUntil(() => !groupRuns(group), SHUTDOWN_TIMEOUT_MS);
}

/** True while a process of process group `group` runs (zombies do not count). */
function groupRuns(group: number): boolean {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return false;
  }
  return pids.some((pid) => {
    try {
      // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(pgrp) === group && state !== 'Z' && state !== 'X';
    } catch {
      return false;
    }
  });
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/** Polls without returning to the event loop: this also runs inside the 'exit' event. */
function waitUntil(done: () => boolean, timeoutMs: number): boolean {
  const deadline = Date.now() + timeoutMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (!done()) {
    if (Date.now() > deadline) return false;
    Atomics.wait(pause, 0, 0, 5);
  }
  return true;
}

function report(message: string): void {
  try {
    writeSync(2, `[embedded-postgres] ${message}\n`);
  } catch {
    // stderr is gone as well.
  }
}
