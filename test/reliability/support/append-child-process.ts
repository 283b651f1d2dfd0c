import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ProgressSignal } from './progress-signal';

/** One save the child attempted, as it reported it. */
export interface ChildBatch {
  readonly aggregateId: string;
  readonly fromVersion: number;
  readonly toVersion: number;
  readonly firstEventId: string;
  readonly lastEventId: string;
  outcome: 'pending' | 'ack' | 'fail';
  /** How the child's save failed, when it did. */
  reason?: string;
}

const REPO_ROOT = join(__dirname, '..', '..', '..');
const CHILD_SCRIPT = join(__dirname, '..', 'append-child.ts');

/**
 * Runs test/reliability/append-child.ts in its own Node process and keeps the batches it reports.
 * Waiting is event-driven: {@link AppendChildProcess.waitUntil} re-checks its condition on every
 * line the child prints, with a deadline.
 */
export class AppendChildProcess {
  readonly batches: ChildBatch[] = [];
  readonly #child: ChildProcess;
  readonly #progress = new ProgressSignal();
  #stderr = '';
  #protocolError: string | undefined;
  #exited = false;

  constructor(databaseUrl: string, eventsPerSave: number) {
    this.#child = spawn(
      process.execPath,
      ['-r', 'ts-node/register', CHILD_SCRIPT, String(eventsPerSave)],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, APPEND_CHILD_URL: databaseUrl },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    this.#child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-4000);
    });
    this.#child.on('exit', () => {
      this.#exited = true;
      this.#progress.notify();
    });
    const lines = createInterface({ input: this.#child.stdout! });
    lines.on('line', (line) => {
      this.#record(line);
      this.#progress.notify();
    });
  }

  /** Batches acknowledged to the child so far. */
  get acknowledged(): ChildBatch[] {
    return this.batches.filter((b) => b.outcome === 'ack');
  }

  /** The first line the child printed that did not follow the protocol, if any. */
  get protocolError(): string | undefined {
    return this.#protocolError;
  }

  /** Resolves once `condition` holds (checked on every line); rejects after `timeoutMs`. */
  waitUntil(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    return this.#progress.waitUntil(condition, what, {
      timeoutMs,
      failure: () =>
        this.#protocolError ??
        (this.#exited ? `the append child exited; its stderr: ${this.#stderr}` : undefined),
    });
  }

  /** Asks the child to stop after its current save and waits for it to exit cleanly. */
  async stop(timeoutMs = 30_000): Promise<void> {
    if (!this.#exited) {
      const exited = once(this.#child, 'exit');
      this.#child.stdin?.end('stop\n');
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), timeoutMs);
      const [code] = (await exited) as [number | null];
      clearTimeout(timer);
      if (code !== 0) throw new Error(`append child exited with ${code}: ${this.#stderr}`);
    }
  }

  /** Kills the child if it still runs (cleanup after a failed test). */
  kill(): void {
    if (!this.#exited) this.#child.kill('SIGKILL');
  }

  #record(line: string): void {
    const [kind, aggregateId, from, to, ...rest] = line.split(' ');
    const fromVersion = Number(from);
    const toVersion = Number(to);
    if (kind === 'begin') {
      this.batches.push({
        aggregateId,
        fromVersion,
        toVersion,
        firstEventId: rest[0],
        lastEventId: rest[1],
        outcome: 'pending',
      });
      return;
    }
    const batch = [...this.batches]
      .reverse()
      .find((b) => b.aggregateId === aggregateId && b.fromVersion === fromVersion);
    if (!batch || (kind !== 'ack' && kind !== 'fail')) {
      this.#protocolError ??= `append child printed an unexpected line: ${line}`;
      return;
    }
    batch.outcome = kind;
    if (kind === 'fail') batch.reason = rest.join(' ');
  }
}
