import type { DataSource, EntityManager } from 'typeorm';
import type { AggregateRoot } from '../../domain/model/aggregate-root';
import type { EventMetadata } from '../../domain/model/event-envelope';
import { EventSerializer } from '../../domain/codec/event-serializer';
import type { Projection } from '../../domain/projection/projection';
import type { ProjectionEnvelope } from '../../domain/projection/projection-envelope';
import type { ChangeFeedNotifier } from '../change-feed/change-feed-notifier';
import { FEED_START } from '../change-feed/feed-checkpoint';
import { OrderedEventReader } from '../change-feed/ordered-event-reader';
import type { EventRepository, EventSaveOptions } from '../event-store/event-repository';
import { EVENTS_TABLE } from '../../migrations/schema-names';
import { qualifiedTableName } from '../sql/sql-identifier';
import { applyFeedEvents } from './apply-feed-events';
import type { PersonalDataOptions } from '../personal-data/personal-data-options';
import type { ProjectionContext } from './projection-context';
import { INLINE_LOCK_CLASS } from './projection-lock-keys';

/** Options of {@link InlineProjector}. */
export interface InlineProjectorOptions {
  /** Deserializes stored payloads during {@link InlineProjector.rebuild}. */
  readonly serializer?: EventSerializer;
  /** Sent a NOTIFY after each committed save, to wake asynchronous readers. */
  readonly notifier?: ChangeFeedNotifier;
  readonly schema?: string;
  /**
   * Decrypts `@PersonalData` values for a rebuild's handlers (the master key, as given to
   * `EventRepository`), before upcasting; without it they see the stored ciphertext.
   */
  readonly personalData?: PersonalDataOptions;
}

interface AppendedRow {
  id: string;
  aggregate_id: string;
  aggregate_type: string;
  event_type: string;
  version: number;
  metadata: EventMetadata;
  created_at: Date;
  position: string;
  transaction_id: string;
}

const REBUILD_PAGE = 1000;

/**
 * Applies projections in the same transaction as the append: the read-model rows and the events
 * commit together or not at all, and a reader of the read model never sees it behind its writes.
 * Every writer of the aggregates a projection follows must save through the projector; a plain
 * `repository.save` bypasses it.
 *
 * @example
 * ```ts
 * const projector = new InlineProjector(dataSource, [balances]);
 * await projector.saveWithProjections(repository, account, { actor: 'ada' });
 * ```
 */
export class InlineProjector {
  readonly projections: readonly Projection<ProjectionContext>[];
  readonly #dataSource: DataSource;
  readonly #options: InlineProjectorOptions;
  readonly #serializer: EventSerializer;
  readonly #selectAppended: string;
  readonly #reader: OrderedEventReader;

  constructor(
    dataSource: DataSource,
    projections: readonly Projection<ProjectionContext>[],
    options: InlineProjectorOptions = {},
  ) {
    this.projections = [...projections];
    this.#dataSource = dataSource;
    this.#options = options;
    this.#serializer = options.serializer ?? new EventSerializer();
    const table = qualifiedTableName(EVENTS_TABLE, options.schema);
    this.#selectAppended =
      'SELECT id, aggregate_id, aggregate_type, event_type, version, metadata, created_at, ' +
      `position::text AS position, transaction_id::text AS transaction_id FROM ${table} ` +
      'WHERE id = ANY($1::uuid[])';
    this.#reader = new OrderedEventReader(dataSource, {
      schema: options.schema,
      upcasters: this.#serializer.upcasters,
      personalData: options.personalData,
    });
  }

  /**
   * Saves the aggregates' uncommitted events and applies them to every projection, in one
   * transaction: the caller's when `options.manager` is given (then no NOTIFY is sent, since the
   * caller commits later), a new one otherwise. If anything fails nothing is written; as with a
   * failed save in a caller's transaction, discard the aggregate instances and reload them.
   */
  async saveWithProjections(
    repository: EventRepository,
    aggregates: AggregateRoot | readonly AggregateRoot[],
    options: EventSaveOptions = {},
  ): Promise<void> {
    const list: readonly AggregateRoot[] = Array.isArray(aggregates)
      ? aggregates
      : [aggregates as AggregateRoot];
    const run = (manager: EntityManager): Promise<void> =>
      this.#saveAndApply(repository, list, options, manager);
    if (options.manager) {
      await run(options.manager);
      return;
    }
    await this.#dataSource.transaction(run);
    if (this.#options.notifier) void this.#options.notifier.notify();
  }

  /**
   * Rebuilds one projection from the whole events table in a single transaction, holding its
   * inline lock exclusively: saves through this projector wait meanwhile, so none is applied
   * twice or missed.
   */
  async rebuild(projection: Projection<ProjectionContext>): Promise<void> {
    await this.#dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
        INLINE_LOCK_CLASS,
        projection.name,
      ]);
      await projection.reset({ manager });
      let checkpoint = FEED_START;
      for (;;) {
        // Unguarded is right here: the lock keeps every inline writer out, and rows of writers
        // that bypass the projector are not the projection's concern.
        const page = await this.#reader.readPage(checkpoint, {
          limit: REBUILD_PAGE,
          manager,
          unguarded: true,
          eventTypes: projection.eventTypes,
          aggregateTypes: projection.aggregateTypes,
        });
        await applyFeedEvents(projection, page.events, this.#serializer, { manager });
        checkpoint = page.checkpoint;
        if (!page.hasMore) return;
      }
    });
  }

  async #saveAndApply(
    repository: EventRepository,
    aggregates: readonly AggregateRoot[],
    options: EventSaveOptions,
    manager: EntityManager,
  ): Promise<void> {
    // Shared: concurrent saves do not wait for each other, only for a rebuild.
    await manager.query(
      'SELECT pg_advisory_xact_lock_shared($1, hashtext(name)) FROM unnest($2::text[]) AS name',
      [INLINE_LOCK_CLASS, this.projections.map((p) => p.name)],
    );
    const raised = new Map<string, object>();
    for (const aggregate of aggregates) {
      for (const u of aggregate.getUncommittedEnvelopes()) raised.set(u.eventId, u.event);
    }
    await repository.saveAll(aggregates, { ...options, manager });
    if (raised.size === 0) return;
    const rows = await manager.query<AppendedRow[]>(this.#selectAppended, [[...raised.keys()]]);
    const byId = new Map(rows.map((row) => [row.id, row]));
    const envelopes: ProjectionEnvelope[] = [...raised].map(([eventId, event]) => {
      const row = byId.get(eventId);
      if (!row) throw new Error(`appended event ${eventId} is not readable in its transaction`);
      return {
        eventId,
        aggregateId: row.aggregate_id,
        aggregateType: row.aggregate_type,
        eventType: row.event_type,
        version: row.version,
        event,
        metadata: row.metadata,
        position: row.position,
        transactionId: row.transaction_id,
        createdAt: row.created_at,
      };
    });
    for (const projection of this.projections) {
      for (const envelope of envelopes) await projection.apply(envelope, { manager });
    }
  }
}
