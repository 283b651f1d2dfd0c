import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { pause } from './pause';
import { workWhileHeld } from './work-while-held';
import type { DataSource, EntityManager } from 'typeorm';
import { PROJECTION_LEASES_TABLE } from '../../migrations/schema-names';
import { qualifiedTableName } from '../sql/sql-identifier';
import { ProjectionLeadershipLostError } from './projection-leadership-lost-error';

/** Options of {@link LeasedRunner}. */
export interface LeasedRunnerOptions {
  readonly dataSource: DataSource;
  /** The lease's name (a projection name). */
  readonly name: string;
  /** Runs while the lease is held; must return soon after `signal` aborts. */
  readonly work: (signal: AbortSignal) => Promise<void>;
  /** How long a lease lasts unless renewed (renewed every third of it). */
  readonly leaseMs: number;
  /** How often a waiting runner tries the lease, and the pause after a failed `work`. */
  readonly retryMs: number;
  readonly schema?: string;
  readonly onError?: (error: unknown) => void;
}

interface Lease {
  readonly fence: string;
  /** Local time (performance.now) by which the server's expiry has passed at the latest. */
  deadline: number;
}

/**
 * Runs `work` in at most one runner at a time through a lease row in `projection_leases`:
 * statements in short transactions, so it leads behind a transaction-mode pooler, where a
 * session advisory lock would stay on whichever server session took it.
 *
 * A lease is taken only once the previous one expired (or was released on stop), and each new
 * lease gets a higher fencing number. The holder renews it every third of its length and counts
 * itself active only until the local time by which the server's expiry has surely passed (measured
 * from before the statement that set it was sent), so two runners never both report active;
 * {@link confirm} checks the lease inside each batch's transaction and keeps it from changing
 * hands until that transaction ends. A runner that dies is replaced within one lease length.
 */
export class LeasedRunner {
  readonly #options: LeasedRunnerOptions;
  readonly #table: string;
  readonly #holder = randomUUID();
  #stop = new AbortController();
  #loop: Promise<void> | undefined;
  #lease: Lease | undefined;

  constructor(options: LeasedRunnerOptions) {
    this.#options = options;
    this.#table = qualifiedTableName(PROJECTION_LEASES_TABLE, options.schema);
  }

  /** Whether this runner holds an unexpired lease and is working. */
  get active(): boolean {
    return this.#lease !== undefined && performance.now() < this.#lease.deadline;
  }

  /** Starts competing for the lease in the background (again, after a stop). */
  start(): void {
    if (this.#loop) return;
    this.#stop = new AbortController();
    this.#loop = this.#run().finally(() => (this.#loop = undefined));
  }

  /** Stops working (or waiting) and releases the lease, so a standby takes over at once. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }

  /**
   * Inside a batch's transaction: throws {@link ProjectionLeadershipLostError} unless this
   * runner's lease is still unexpired, and holds it (a share lock) until the transaction ends.
   */
  async confirm(manager: EntityManager): Promise<void> {
    const lease = this.#lease;
    const rows = lease
      ? await manager.query<unknown[]>(
          `SELECT 1 FROM ${this.#table} WHERE name = $1 AND holder = $2 AND fence = $3 ` +
            'AND expires_at > clock_timestamp() FOR SHARE',
          [this.#options.name, this.#holder, lease.fence],
        )
      : [];
    if (rows.length === 0) {
      throw new ProjectionLeadershipLostError(this.#options.name, lease?.fence ?? '0');
    }
  }

  async #run(): Promise<void> {
    const stopped = this.#stop.signal;
    while (!stopped.aborted) {
      const lease = await this.#acquire();
      if (!lease) return;
      const held = new AbortController();
      const lose = (): void => held.abort();
      stopped.addEventListener('abort', lose, { once: true });
      this.#lease = lease;
      const renewing = this.#renew(lease, held);
      try {
        await workWhileHeld(this.#options, held.signal);
      } finally {
        this.#lease = undefined;
        stopped.removeEventListener('abort', lose);
        await renewing;
        await this.#release(lease);
      }
    }
  }

  /** Tries the lease until it is ours; undefined once stopped. */
  async #acquire(): Promise<Lease | undefined> {
    const stopped = this.#stop.signal;
    while (!stopped.aborted) {
      const sentAt = performance.now();
      try {
        const rows = await this.#options.dataSource.query<{ fence: string }[]>(
          `INSERT INTO ${this.#table} AS lease (name, holder, fence, expires_at) ` +
            "VALUES ($1, $2, 1, clock_timestamp() + $3 * interval '1 millisecond') " +
            'ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, ' +
            'fence = lease.fence + 1, expires_at = EXCLUDED.expires_at ' +
            'WHERE lease.expires_at <= clock_timestamp() RETURNING fence::text AS fence',
          [this.#options.name, this.#holder, this.#options.leaseMs],
        );
        if (rows.length > 0) return { fence: rows[0].fence, deadline: sentAt + this.#leaseMs() };
      } catch (error) {
        this.#options.onError?.(error);
      }
      await pause(this.#options.retryMs, stopped);
    }
    return undefined;
  }

  /** Renews `lease` every third of its length; aborts `held` once it can no longer be sure of it. */
  async #renew(lease: Lease, held: AbortController): Promise<void> {
    const every = Math.max(1, Math.floor(this.#options.leaseMs / 3));
    while (!held.signal.aborted) {
      await pause(Math.min(every, lease.deadline - performance.now()), held.signal);
      if (held.signal.aborted) return;
      if (performance.now() >= lease.deadline) break;
      const sentAt = performance.now();
      try {
        const rows = await this.#options.dataSource.query<unknown[]>(
          `UPDATE ${this.#table} SET expires_at = clock_timestamp() + $4 * interval '1 millisecond' ` +
            'WHERE name = $1 AND holder = $2 AND fence = $3 AND expires_at > clock_timestamp() ' +
            'RETURNING 1',
          [this.#options.name, this.#holder, lease.fence, this.#options.leaseMs],
        );
        // TypeORM returns [rows, affected] for an UPDATE ... RETURNING.
        const renewed = Array.isArray(rows[0]) ? (rows[0] as unknown[]).length : rows.length;
        if (renewed === 0) break;
        lease.deadline = sentAt + this.#leaseMs();
      } catch (error) {
        // Keep trying until the deadline: a short outage need not cost the lease.
        this.#options.onError?.(error);
      }
    }
    held.abort();
  }

  /** Expires the lease at once, if it is still this runner's. */
  async #release(lease: Lease): Promise<void> {
    await this.#options.dataSource
      .query(
        `UPDATE ${this.#table} SET expires_at = '-infinity' ` +
          'WHERE name = $1 AND holder = $2 AND fence = $3',
        [this.#options.name, this.#holder, lease.fence],
      )
      .catch((error: unknown) => this.#options.onError?.(error));
  }

  /** A lease's length as counted locally: shortened a little for clock rate differences. */
  #leaseMs(): number {
    return this.#options.leaseMs * 0.9;
  }
}
