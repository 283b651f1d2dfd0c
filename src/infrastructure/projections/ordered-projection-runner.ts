import type { ClientConfig } from 'pg';
import type { DataSource } from 'typeorm';
import { EventSerializer } from '../../domain/codec/event-serializer';
import type { Projection } from '../../domain/projection/projection';
import type { ChangeFeedListener } from '../change-feed/change-feed-listener';
import { OrderedEventReader } from '../change-feed/ordered-event-reader';
import { OrderedFeedSubscription } from '../change-feed/ordered-feed-subscription';
import type { FeedPage } from '../change-feed/ordered-event-reader';
import type { FeedEvent } from '../change-feed/feed-event';
import { pgClientConfigOf } from '../change-feed/pg-client-config';
import { applyFeedEvents } from './apply-feed-events';
import { FeedRevealer } from '../personal-data/feed-revealer';
import type { PersonalDataOptions } from '../personal-data/personal-data-options';
import { untilAborted } from './until-aborted';
import { ExclusiveRunner } from './exclusive-runner';
import type { ProjectionContext } from './projection-context';
import { ProjectionCheckpointMovedError } from './projection-checkpoint-moved-error';
import {
  ProjectionCheckpointStore,
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
  /** Connection that holds the runner lock. Default: the DataSource's server and credentials. */
  readonly lockConnection?: ClientConfig;
  /** Schema of the events and checkpoint tables; the search_path when omitted. */
  readonly schema?: string;
  /**
   * Decrypts `@PersonalData` values for the handlers (the master key, as given to
   * `EventRepository`); without it they see the stored ciphertext.
   */
  readonly personalData?: PersonalDataOptions;
  /** Told about failed batches and lost connections; the runner retries on its own. */
  readonly onError?: (error: unknown) => void;
}

/**
 * Keeps a projection up to date from the ordered feed, in the background. Each batch is applied
 * in one transaction that also moves the projection's checkpoint, so a crash at any point
 * neither loses nor repeats an effect. Start it in every process you like: a session advisory
 * lock keeps one runner active per projection, and a standby takes over when the active one
 * stops or dies.
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
  readonly #revealer: FeedRevealer | undefined;
  readonly #serializer: EventSerializer;
  readonly #store: ProjectionCheckpointStore;
  readonly #reader: OrderedEventReader;
  readonly #exclusive: ExclusiveRunner;
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
    this.#revealer = FeedRevealer.of(options.personalData, options.schema);
    this.#store = new ProjectionCheckpointStore(dataSource, { schema: options.schema });
    this.#reader = new OrderedEventReader(dataSource, { schema: options.schema });
    this.#exclusive = new ExclusiveRunner({
      connection:
        options.lockConnection ??
        pgClientConfigOf(dataSource, `tessera projection ${projection.name}`),
      name: projection.name,
      retryMs: options.lockRetryMs ?? 1000,
      onError: options.onError,
      work: (signal) => this.#work(signal),
    });
  }

  /** Whether this runner is the projection's active one. */
  get active(): boolean {
    return this.#exclusive.active;
  }

  /** Events this runner has applied (committed) since it was created. */
  get appliedEvents(): number {
    return this.#applied;
  }

  /** Starts competing to be the active runner, in the background. */
  start(): void {
    this.#exclusive.start();
  }

  /** Stops after the batch in progress and lets a standby take over. */
  stop(): Promise<void> {
    return this.#exclusive.stop();
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
    });
    subscription.start();
    await untilAborted(signal);
    await subscription.stop();
  }

  async #applyPage(page: FeedPage): Promise<void> {
    const expected = this.#expected;
    if (!expected) throw new ProjectionCheckpointMovedError(this.projection.name);
    const next: ProjectionCheckpoint = { feed: page.checkpoint, lsn: expected.lsn };
    const applied = await this.#store.advance(
      this.projection.name,
      expected,
      next,
      async (manager) =>
        applyFeedEvents(
          this.projection,
          await this.#revealed(page.events, { manager }),
          this.#serializer,
          {
            manager,
          },
        ),
    );
    this.#expected = next;
    this.#applied += applied;
  }

  /** The events with their personal data decrypted, when the runner has the option. */
  #revealed(
    events: readonly FeedEvent[],
    context: ProjectionContext,
  ): Promise<readonly FeedEvent[]> {
    return this.#revealer
      ? this.#revealer.reveal(events, context.manager)
      : Promise.resolve(events);
  }
}
