import { pause } from './pause';
import { workWhileHeld } from './work-while-held';
import { Client, type ClientConfig } from 'pg';
import { RUNNER_LOCK_CLASS } from './projection-lock-keys';

/** Options of {@link ExclusiveRunner}. */
export interface ExclusiveRunnerOptions {
  /** Dedicated connection that holds the session advisory lock. */
  readonly connection: ClientConfig;
  /** The lock's name (a projection name). */
  readonly name: string;
  /** Runs while the lock is held; must return soon after `signal` aborts. */
  readonly work: (signal: AbortSignal) => Promise<void>;
  /** How often a waiting runner tries the lock, and the pause after a failed `work`. */
  readonly retryMs: number;
  readonly onError?: (error: unknown) => void;
}

/**
 * Runs `work` in at most one process at a time, using a PostgreSQL session advisory lock held on
 * a dedicated connection. A second runner keeps trying the lock and takes over as soon as the
 * first one stops or its connection dies (the server releases a dead session's locks). Losing the
 * connection aborts `work`, because the lock went with it.
 */
export class ExclusiveRunner {
  readonly #options: ExclusiveRunnerOptions;
  #stop = new AbortController();
  #loop: Promise<void> | undefined;
  #active = false;

  constructor(options: ExclusiveRunnerOptions) {
    this.#options = options;
  }

  /** Whether this runner holds the lock and is working. */
  get active(): boolean {
    return this.#active;
  }

  /** Starts competing for the lock in the background (again, after a stop). */
  start(): void {
    if (this.#loop) return;
    this.#stop = new AbortController();
    this.#loop = this.#run().finally(() => (this.#loop = undefined));
  }

  /** Stops working (or waiting) and releases the lock. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const stopped = this.#stop.signal;
    while (!stopped.aborted) {
      const client = await this.#acquire();
      if (!client) return;
      const held = new AbortController();
      const lose = (): void => held.abort();
      client.on('error', lose);
      client.on('end', lose);
      stopped.addEventListener('abort', lose, { once: true });
      this.#active = true;
      try {
        await workWhileHeld(this.#options, held.signal);
      } finally {
        this.#active = false;
        stopped.removeEventListener('abort', lose);
        // Ending the session releases the lock; no unlock round trip needed.
        await client.end().catch(() => undefined);
      }
    }
  }

  /** Connects and tries the lock until it is ours; undefined once stopped. */
  async #acquire(): Promise<Client | undefined> {
    const stopped = this.#stop.signal;
    while (!stopped.aborted) {
      const client = new Client(this.#options.connection);
      client.on('error', () => undefined);
      try {
        await client.connect();
        while (!stopped.aborted) {
          const { rows } = await client.query<{ locked: boolean }>(
            'SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked',
            [RUNNER_LOCK_CLASS, this.#options.name],
          );
          if (rows[0].locked) return client;
          await pause(this.#options.retryMs, stopped);
        }
      } catch (error) {
        this.#options.onError?.(error);
      }
      await client.end().catch(() => undefined);
      await pause(this.#options.retryMs, stopped);
    }
    return undefined;
  }
}
