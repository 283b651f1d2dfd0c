import type { ClientConfig } from 'pg';
import type { DataSource } from 'typeorm';
import { EventSerializer } from '../../domain/codec/event-serializer';
import type { Projection } from '../../domain/projection/projection';
import type { ChangeFeedListener } from '../change-feed/change-feed-listener';
import { OrderedEventReader } from '../change-feed/ordered-event-reader';
import { OrderedFeedSubscription } from '../change-feed/ordered-feed-subscription';
import type { FeedPage } from '../change-feed/ordered-event-reader';
import { pgClientConfigOf } from '../change-feed/pg-client-config';
import { applyFeedEvents } from './apply-feed-events';
import type { PersonalDataOptions } from '../personal-data/personal-data-options';
import { untilAborted } from './until-aborted';
import { ExclusiveRunner } from './exclusive-runner';
import { LeasedRunner } from './leased-runner';
import { poolingOf } from '../session/tessera-data-source';
import type { ProjectionContext } from './projection-context';
import { ProjectionCheckpointMovedError } from './projection-checkpoint-moved-error';
import {
  ProjectionCheckpointStore,
  sameProjectionCheckpoint,
  type ProjectionCheckpoint,
} from './projection-checkpoint-store';

/** Options of {@link OrderedProjectionRunner}. */
export interface OrderedProjectionRunnerOptions {
  /** Deserializes payloads for the handlers. Default: a serializer over the global registry. */
  readonly serializer?: EventSerializer;
  /** Events per batch (one transaction each). Default 500. */
  readonly batchSize?: number;
  /** Longest wait between reads while idle. Default 1000 ms. */
  readonly pollIntervalMs?: number;
  /** Wakes the runner when writers NOTIFY (see ChangeFeedNotifier). */
  readonly listener?: ChangeFeedListener;
  /** How often a standby runner tries to become the active one. Default 1000 ms. */
  readonly lockRetryMs?: number;
  /**
   * Connection that holds the runner lock (`session-lock` leadership). Default: the DataSource's
   * server and credentials.
   */
  readonly lockConnection?: ClientConfig;
  /**
   * How one runner per projection is chosen. `session-lock`: a session advisory lock on a
   * dedicated connection, released by the server the moment that session dies. `lease`: a row
   * in `projection_leases` with an expiry, renewed by the active runner and checked in each
   * batch's transaction; works behind a transaction-mode pooler, and a dead runner is replaced
   * within `leaseMs`. Default: `lease` for a data source createTesseraDataSource found behind a
   * transaction pooler, `session-lock` otherwise (choose `lease` yourself for any other
   * DataSource that goes through one).
   */
  readonly leadership?: 'session-lock' | 'lease';
  /** Length of a lease (`lease` leadership). Default 10000 ms. */
  readonly leaseMs?: number;
  /**
   * A DataSource on a streaming replica to read the feed from; the read model and the checkpoint
   * are written on the primary. The feed's guard holds on a replica too (a transaction the
   * replica has not seen commit is still running there), so nothing is skipped, only later.
   */
  readonly readReplica?: DataSource;
  /** Schema of the events and checkpoint tables; the search_path when omitted. */
  readonly schema?: string;
  /**
   * Decrypts `@PersonalData` values for the handlers (the master key, as given to
   * `EventRepository`), before upcasting; without it they see the stored ciphertext. With
   * `readReplica` the keys are read there, with the feed.
   */
  readonly personalData?: PersonalDataOptions;
  /** Told about failed batches and lost connections; the runner retries on its own. */
  readonly onError?: (error: unknown) => void;
}

/**
 * Keeps a projection up to date from the ordered feed, in the background. Each batch is applied
 * in one transaction that also moves the projection's checkpoint, so a crash at any point
 * neither loses nor repeats an effect. Start it in every process you like: a session advisory
 * lock (or, behind a transaction pooler, a lease) keeps one runner active per projection, and a
 * standby takes over when the active one stops or dies.
 *
 * @example
 * ```ts
 * const runner = new OrderedProjectionRunner(dataSource, balances, { listener });
 * runner.start();
 * // ...
 * await runner.stop();
 * ```
 */
export class OrderedProjectionRunner {
  readonly projection: Projection<ProjectionContext>;
  readonly #options: OrderedProjectionRunnerOptions;
  readonly #serializer: EventSerializer;
  readonly #store: ProjectionCheckpointStore;
  readonly #reader: OrderedEventReader;
  readonly #dataSource: DataSource;
  #leader: ExclusiveRunner | LeasedRunner | undefined;
  #expected: ProjectionCheckpoint | undefined;
  #applied = 0;

  constructor(
    dataSource: DataSource,
    projection: Projection<ProjectionContext>,
    options: OrderedProjectionRunnerOptions = {},
  ) {
    this.projection = projection;
    this.#options = options;
    this.#serializer = options.serializer ?? new EventSerializer();
    this.#store = new ProjectionCheckpointStore(dataSource, { schema: options.schema });
    this.#reader = new OrderedEventReader(options.readReplica ?? dataSource, {
      schema: options.schema,
      upcasters: this.#serializer.upcasters,
      personalData: options.personalData,
    });
    this.#dataSource = dataSource;
    const leaseMs = options.leaseMs ?? 10_000;
    if (!Number.isInteger(leaseMs) || leaseMs < 30) {
      throw new TypeError(`leaseMs must be an integer of at least 30, got ${leaseMs}`);
    }
  }

  /** Chosen at the first start, once the data source knows whether it is pooled. */
  #leadership(): ExclusiveRunner | LeasedRunner {
    const options = this.#options;
    const leadership =
      options.leadership ??
      (poolingOf(this.#dataSource) === 'transaction' ? 'lease' : 'session-lock');
    const retryMs = options.lockRetryMs ?? 1000;
    const work = (signal: AbortSignal): Promise<void> => this.#work(signal);
    if (leadership === 'lease') {
      return new LeasedRunner({
        dataSource: this.#dataSource,
        name: this.projection.name,
        leaseMs: options.leaseMs ?? 10_000,
        retryMs,
        schema: options.schema,
        onError: options.onError,
        work,
      });
    }
    return new ExclusiveRunner({
      connection:
        options.lockConnection ??
        pgClientConfigOf(this.#dataSource, `tessera projection ${this.projection.name}`),
      name: this.projection.name,
      retryMs,
      onError: options.onError,
      work,
    });
  }

  /** Whether this runner is the projection's active one. */
  get active(): boolean {
    return this.#leader?.active ?? false;
  }

  /** Events this runner has applied (committed) since it was created. */
  get appliedEvents(): number {
    return this.#applied;
  }

  /** Starts competing to be the active runner, in the background. */
  start(): void {
    this.#leader ??= this.#leadership();
    this.#leader.start();
  }

  /** Stops after the batch in progress and lets a standby take over. */
  stop(): Promise<void> {
    return this.#leader?.stop() ?? Promise.resolve();
  }

  async #work(signal: AbortSignal): Promise<void> {
    const subscription = new OrderedFeedSubscription({
      reader: this.#reader,
      from: async () => {
        this.#expected = await this.#store.load(this.projection.name);
        return this.#expected.feed;
      },
      handler: (page) => this.#applyPage(page),
      batchSize: this.#options.batchSize,
      eventTypes: this.projection.eventTypes,
      aggregateTypes: this.projection.aggregateTypes,
      pollIntervalMs: this.#options.pollIntervalMs,
      listener: this.#options.listener,
      onError: this.#options.onError,
      // While idle, a rebuild's reset would otherwise go unnoticed until the next event.
      checkpointMoved: async () => {
        const stored = await this.#store.read(this.projection.name);
        const expected = this.#expected;
        return !stored || !expected || !sameProjectionCheckpoint(stored, expected);
      },
    });
    subscription.start();
    await untilAborted(signal);
    await subscription.stop();
  }

  async #applyPage(page: FeedPage): Promise<void> {
    const expected = this.#expected;
    if (!expected) throw new ProjectionCheckpointMovedError(this.projection.name);
    const next: ProjectionCheckpoint = { feed: page.checkpoint, lsn: expected.lsn };
    const leader = this.#leader;
    const applied = await this.#store.advance(
      this.projection.name,
      expected,
      next,
      async (manager) => {
        if (leader instanceof LeasedRunner) await leader.confirm(manager);
        return applyFeedEvents(this.projection, page.events, this.#serializer, { manager });
      },
    );
    this.#expected = next;
    this.#applied += applied;
  }
}
