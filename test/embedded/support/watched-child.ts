import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const REPO_ROOT = join(__dirname, '..', '..', '..');
const DEMO = join(REPO_ROOT, 'examples', 'bank-account', 'demo.ts');
const HOLDER = join(__dirname, 'hold-local-postgres.ts');

/** How a child process ended. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * A Node process that starts an embedded server with `tmpdir` as its TMPDIR and no DATABASE_URL,
 * with embedded PostgreSQL's log on its stderr (TESSERA_DEBUG_PG), so that a test can wait for
 * a moment of the server's life and interrupt it there.
 */
export class WatchedChild {
  readonly exited: Promise<ChildExit>;
  readonly #child: ChildProcess;
  readonly #text = { stdout: '', stderr: '' };
  readonly #listeners = new Set<() => void>();
  #exit: ChildExit | undefined;

  /** `npm start`: examples/bank-account/demo.ts. */
  static demo(tmpdir: string): WatchedChild {
    return new WatchedChild(DEMO, tmpdir);
  }

  /** hold-local-postgres.ts: up until its stdin ends. */
  static holder(tmpdir: string): WatchedChild {
    return new WatchedChild(HOLDER, tmpdir);
  }

  private constructor(script: string, tmpdir: string) {
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmpdir, TESSERA_DEBUG_PG: '1' };
    delete env.DATABASE_URL;
    this.#child = spawn(process.execPath, ['-r', 'ts-node/register', script], {
      cwd: REPO_ROOT,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      // A process group of its own, as a shell gives a command: see interrupt().
      detached: true,
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      this.#child[stream]?.on('data', (chunk: Buffer) => {
        this.#text[stream] += chunk.toString('utf8');
        this.#notify();
      });
    }
    this.exited = new Promise((resolve) => {
      this.#child.on('exit', (code, signal) => {
        this.#exit = { code, signal };
        this.#notify();
        resolve(this.#exit);
      });
    });
  }

  get pid(): number {
    if (this.#child.pid === undefined) throw new Error('the child process did not start');
    return this.#child.pid;
  }

  /** Resolves with the first match of `pattern` in what the child wrote to `stream`. */
  waitFor(
    stream: 'stdout' | 'stderr',
    pattern: RegExp,
    timeoutMs = 45_000,
  ): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.#listeners.delete(check);
      };
      const check = (): void => {
        const match = this.#text[stream].match(pattern);
        if (match !== null) {
          finish();
          resolve(match);
        } else if (this.#exit !== undefined) {
          finish();
          reject(new Error(`child exited (${this.#describe()}) before ${pattern}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(
          new Error(`no ${pattern} on ${stream} within ${timeoutMs} ms (${this.#describe()})`),
        );
      }, timeoutMs);
      this.#listeners.add(check);
      check();
    });
  }

  /** Sends `signal` to the child process alone. */
  kill(signal: NodeJS.Signals): void {
    this.#child.kill(signal);
  }

  /** Ctrl-C in a terminal: SIGINT to the child's whole process group, its server included. */
  interrupt(): void {
    process.kill(-this.pid, 'SIGINT');
  }

  /** Closes our end of the child's stdout, as `| head` does once it has its lines. */
  closeStdout(): void {
    this.#child.stdout?.destroy();
  }

  endStdin(): void {
    this.#child.stdin?.end();
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  #describe(): string {
    const exit =
      this.#exit === undefined ? 'running' : `exit ${this.#exit.code ?? this.#exit.signal}`;
    return `${exit}; stderr ends: ${this.#text.stderr.slice(-1500)}`;
  }
}
