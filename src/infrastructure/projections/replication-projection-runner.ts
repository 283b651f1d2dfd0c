import { setTimeout as sleep } from 'node:timers/promises';
import type { ClientConfig } from 'pg';
import type { DataSource } from 'typeorm';
import { EventSerializer } from '../../domain/codec/event-serializer';
import type { Projection } from '../../domain/projection/projection';
import { compareFeedCheckpoints } from '../change-feed/feed-checkpoint';
import type { FeedEvent } from '../change-feed/feed-event';
import { LogicalReplicationConsumer } from '../change-feed/logical-replication-consumer';
import { compareLsn } from '../change-feed/lsn';
import { OrderedEventReader } from '../change-feed/ordered-event-reader';
import { pgClientConfigOf } from '../change-feed/pg-client-config';
import type { ReplicatedTransaction } from '../change-feed/replicated-transaction';
import type { ReplicationSlotStatus } from '../change-feed/replication-slot';
import { applyFeedEvents } from './apply-feed-events';
import { upcastFeedEvents } from '../change-feed/upcast-feed-events';
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
import { ReplicationSlotLostError } from './replication-slot-lost-error';
import { poolingOf } from '../session/tessera-data-source';
import { DirectConnectionRequiredError } from '../session/direct-connection-required-error';

/** Options of {@link ReplicationProjectionRunner}. */
export interface ReplicationProjectionRunnerOptions {
  /**
   * Connection of a role allowed to replicate (REPLICATION attribute, SELECT on events).
   * Default: the DataSource's server and credentials.
   */
  readonly replicationConnection?: ClientConfig;
  /** Slot of this projection. Default `tessera_<projection name>`. */
  readonly slotName?: string;
  /** Publication to stream. Default `tessera_events`. */
  readonly publicationName?: string;
  readonly serializer?: EventSerializer;
  /** Most events per transaction of the read model. Default 1000. */
  readonly batchSize?: number;
  /** How often a standby runner tries to become active, and the pause before a retry. Default 1000 ms. */
  readonly lockRetryMs?: number;
  /** Connection that holds the runner lock. Default: the DataSource's server and credentials. */
  readonly lockConnection?: ClientConfig;
  readonly schema?: string;
  /**
   * Decrypts `@PersonalData` values for the handlers (the master key, as given to
   * `EventRepository`), before upcasting; without it they see the stored ciphertext.
   */
  readonly personalData?: PersonalDataOptions;
  /** Told about failures; the runner restarts the stream from its checkpoint on its own. */
  readonly onError?: (error: unknown) => void;
}

/** Pause while catching up and waiting for older transactions to finish. */
const CATCH_UP_POLL_MS = 20;

/**
 * Keeps a projection up to date from a logical replication slot: events arrive in commit order
 * as soon as they commit. Each batch of transactions is applied in one transaction that also
 * stores the last commit's end LSN, and the slot is acknowledged only after that commit, so a
 * crash redelivers at most what was not applied, and redelivered transactions are skipped by LSN.
 *
 * A slot only holds changes committed after it was created. So when the projection has not
 * consumed this slot yet (first start, after a rebuild), the runner first catches up from the
 * events table through the ordered reader, until every transaction that committed before the slot
 * existed is applied, and then streams from the slot, skipping the rows the catch-up already
 * applied (`(transaction_id, position)` at or before the catch-up's checkpoint).
 *
 * One active runner per projection across processes, as with {@link OrderedProjectionRunner}.
 */
export class ReplicationProjectionRunner {
  readonly projection: Projection<ProjectionContext>;
  readonly #dataSource: DataSource;
  readonly #options: ReplicationProjectionRunnerOptions;
  readonly #revealer: FeedRevealer | undefined;
  readonly #serializer: EventSerializer;
  readonly #store: ProjectionCheckpointStore;
  readonly #reader: OrderedEventReader;
  readonly #consumer: LogicalReplicationConsumer;
  readonly #exclusive: ExclusiveRunner;
  #expected: ProjectionCheckpoint | undefined;
  #applied = 0;

  constructor(
    dataSource: DataSource,
    projection: Projection<ProjectionContext>,
    options: ReplicationProjectionRunnerOptions = {},
  ) {
    this.projection = projection;
    this.#dataSource = dataSource;
    this.#options = options;
    this.#serializer = options.serializer ?? new EventSerializer();
    this.#revealer = FeedRevealer.of(options.personalData, options.schema);
    this.#store = new ProjectionCheckpointStore(dataSource, { schema: options.schema });
    this.#reader = new OrderedEventReader(dataSource, {
      schema: options.schema,
      upcasters: this.#serializer.upcasters,
      personalData: options.personalData,
    });
    this.#consumer = new LogicalReplicationConsumer({
      connection:
        options.replicationConnection ??
        pgClientConfigOf(dataSource, `tessera replication ${projection.name}`),
      slotName: options.slotName ?? `tessera_${projection.name}`,
      publicationName: options.publicationName,
      maxBatchEvents: options.batchSize,
      upcasters: this.#serializer.upcasters,
      // Upcast here, after the personal data is decrypted (the upcasters see plain values).
      upcast: false,
      handler: (transactions) => this.#applyTransactions(transactions),
    });
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

  /** The projection's slot name. */
  get slotName(): string {
    return this.#consumer.slotName;
  }

  /**
   * Starts competing to be the active runner, in the background.
   *
   * @throws DirectConnectionRequiredError when the data source is behind a transaction pooler
   *   and the replication or lock connection was left to default to it.
   */
  start(): void {
    const missing = [
      this.#options.replicationConnection ? undefined : 'replicationConnection',
      this.#options.lockConnection ? undefined : 'lockConnection',
    ].filter((option) => option !== undefined);
    if (poolingOf(this.#dataSource) === 'transaction' && missing.length > 0) {
      throw new DirectConnectionRequiredError('ReplicationProjectionRunner', missing);
    }
    this.#exclusive.start();
  }

  /** Stops after the batch in progress and lets a standby take over. */
  stop(): Promise<void> {
    return this.#exclusive.stop();
  }

  /** The slot's state and lag (null when it does not exist). */
  slotStatus(): Promise<ReplicationSlotStatus | null> {
    return this.#consumer.slotStatus();
  }

  /** Stops the runner and drops the slot: for retiring the projection. */
  async dropSlot(): Promise<void> {
    await this.stop();
    await this.#consumer.dropSlot();
  }

  async #work(signal: AbortSignal): Promise<void> {
    let checkpoint = await this.#store.load(this.projection.name);
    // A projection that starts from the table (first start, or rebuilt) needs nothing the old
    // slot held: an invalidated one is replaced. Otherwise createSlot() reports it.
    if (checkpoint.lsn === null) await this.#consumer.recreateInvalidatedSlot();
    const created = await this.#consumer.createSlot();
    if (checkpoint.lsn !== null && created) {
      throw new ReplicationSlotLostError(this.projection.name, this.slotName, checkpoint.lsn);
    }
    if (checkpoint.lsn === null) checkpoint = await this.#catchUp(checkpoint, signal);
    this.#expected = checkpoint;
    if (signal.aborted) return;
    await this.#consumer.start();
    try {
      await Promise.race([this.#consumer.closed, untilAborted(signal)]);
    } finally {
      await this.#consumer.stop();
    }
  }

  /**
   * Applies the events table through the ordered reader until every transaction that could have
   * committed before the slot's start is applied. Those have ids below the xmax of a snapshot
   * taken now (the cutoff). Once the feed's horizon (the oldest running transaction) has reached
   * the cutoff, all of them are finished, and because the feed is ordered by transaction id, the
   * first read that finds nothing below the cutoff proves they are all applied.
   */
  async #catchUp(from: ProjectionCheckpoint, signal: AbortSignal): Promise<ProjectionCheckpoint> {
    const [{ cutoff }] = await this.#dataSource.query<{ cutoff: string }[]>(
      'SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS cutoff',
    );
    let checkpoint = from;
    let horizonPassed = false;
    this.#expected = checkpoint;
    while (!signal.aborted) {
      const page = await this.#reader.readPage(checkpoint.feed, {
        limit: this.#options.batchSize ?? 1000,
        eventTypes: this.projection.eventTypes,
        aggregateTypes: this.projection.aggregateTypes,
      });
      const first = page.events[0];
      const done = horizonPassed && (!first || BigInt(first.transactionId) >= BigInt(cutoff));
      if (first) {
        checkpoint = await this.#commit(checkpoint, { feed: page.checkpoint, lsn: null }, (c) =>
          applyFeedEvents(this.projection, page.events, this.#serializer, c),
        );
      }
      if (done) return checkpoint;
      if (page.hasMore) continue;
      if (!horizonPassed) {
        const [{ horizon }] = await this.#dataSource.query<{ horizon: string }[]>(
          'SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon',
        );
        horizonPassed = BigInt(horizon) >= BigInt(cutoff);
        if (horizonPassed) continue;
      }
      await sleep(CATCH_UP_POLL_MS);
    }
    return checkpoint;
  }

  async #applyTransactions(transactions: readonly ReplicatedTransaction[]): Promise<void> {
    const expected = this.#expected;
    if (!expected) throw new ProjectionCheckpointMovedError(this.projection.name);
    const last = transactions[transactions.length - 1];
    const fresh = transactions.filter(
      (tx) => expected.lsn === null || compareLsn(tx.commitEndLsn, expected.lsn) > 0,
    );
    if (fresh.length === 0) return;
    // Rows the catch-up already applied come again from the slot during the hand-over.
    const events: FeedEvent[] = fresh
      .flatMap((tx) => tx.events)
      .filter((event) => compareFeedCheckpoints(event, expected.feed) > 0);
    await this.#commit(expected, { feed: expected.feed, lsn: last.commitEndLsn }, async (c) =>
      applyFeedEvents(this.projection, await this.#readable(events, c), this.#serializer, c),
    );
  }

  /** Applies in one transaction with the checkpoint move, fenced against other writers of it. */
  async #commit(
    expected: ProjectionCheckpoint,
    next: ProjectionCheckpoint,
    apply: (context: ProjectionContext) => Promise<number>,
  ): Promise<ProjectionCheckpoint> {
    const applied = await this.#store.advance(this.projection.name, expected, next, (manager) =>
      apply({ manager }),
    );
    this.#expected = next;
    this.#applied += applied;
    return next;
  }

  /**
   * The slot's events as stored, made what the handlers read: personal data decrypted (with the
   * option; the keys read in the batch's transaction), then upcast.
   */
  async #readable(
    events: readonly FeedEvent[],
    context: ProjectionContext,
  ): Promise<readonly FeedEvent[]> {
    const revealed = this.#revealer ? await this.#revealer.reveal(events, context.manager) : events;
    return upcastFeedEvents(revealed, this.#serializer.upcasters);
  }
}
