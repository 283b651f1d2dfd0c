import type { DataSource, EntityManager } from 'typeorm';
import type { AggregateClass, AggregateRoot } from '../domain/aggregate-root';
import type {
  AggregateRepository,
  SaveOptions,
  UpdateOptions,
} from '../domain/aggregate-repository';
import {
  markSnapshotDue,
  prepareAppend,
  runAppend,
  type AppendBatch,
} from '../domain/append-batch';
import { AggregateNotFoundError } from '../domain/errors/aggregate-not-found-error';
import { InvalidAggregateIdError } from '../domain/errors/invalid-aggregate-id-error';
import { InvalidMetadataError } from '../domain/errors/invalid-metadata-error';
import type { StoredEvent } from '../domain/event-envelope';
import { EventSerializer } from '../domain/event-serializer';
import { aggregateTypeName, snapshotPolicyOf } from '../domain/metadata/aggregate.decorator';
import { retryOnConflict } from '../domain/retry-on-conflict';
import { StreamDecoder, type FoldableEvent } from '../domain/stream-decoder';
import { isUuid } from '../domain/uuid';
import { buildAppendStatement } from './append-statement';
import { toStoredEvent, type EventRow } from './event-row';
import { buildEventSql, type EventSql } from './event-sql';
import { PgSession, type BoundQuery, type EachRow } from './pg-session';
import { EVENTS_TABLE, SNAPSHOTS_TABLE } from './schema-names';
import { qualifiedTableName } from './sql-identifier';
import { foldPages, readHead, type PageRow, type UsableSnapshot } from './stream-reader';
import { toConcurrencyError } from './to-concurrency-error';
import { versionConflictAggregateId } from './version-conflict';

/** Options of {@link EventRepository}. */
export interface EventRepositoryOptions {
  /** Serializer (and its payload size limit); a default one otherwise. */
  readonly serializer?: EventSerializer;
  /** Schema of the events and snapshots tables; the connection's search_path when omitted. */
  readonly schema?: string;
  /** Name of the events table. Default `events` (what the migrations create). */
  readonly table?: string;
  /** Name of the snapshots table. Default `snapshots`. */
  readonly snapshotTable?: string;
  /**
   * Events read per round trip while folding a stream. The first ten pages are read whole; after
   * them each event is folded as its row arrives and none is kept, so memory stays flat however
   * long the stream. A streamed page's statement stays open while its events are folded, so
   * with slow handlers and large rows it counts their time against `statement_timeout`: a
   * smaller page bounds that. Default 1000.
   */
  readonly pageSize?: number;
  /**
   * Prepare statements once per connection under stable names. Default true; turn it off behind
   * PgBouncer older than 1.21 in transaction pooling mode.
   */
  readonly preparedStatements?: boolean;
}

/** Save options of the PostgreSQL repository: metadata, and optionally a transaction to join. */
export interface EventSaveOptions extends SaveOptions {
  /**
   * A TypeORM EntityManager, typically the one `dataSource.transaction(async (manager) => ...)`
   * hands you: the events are written in that transaction, atomically with your own rows. If it
   * later rolls back, discard the aggregate instance (it was marked committed) and reload it.
   */
  readonly manager?: EntityManager;
}

/**
 * History kept between the attempts of one `update()`, so a retry reads only what it missed.
 * Payloads and the snapshot state are kept as JSON text: every attempt decodes pristine copies,
 * so a handler or command that mutated a nested value in a failed attempt cannot leak into the
 * next one.
 */
interface RetryCache {
  /** The snapshot started from; its state as JSON only when kept for retries. */
  readonly snapshot?: { readonly version: number; readonly stateJson?: string };
  readonly outdated: boolean;
  /** Rows read after the snapshot; undefined once the stream is too long to hold. */
  rows: CachedRow[] | undefined;
  /** The last version read. */
  version: number;
}

interface CachedRow {
  readonly aggregateType: string;
  readonly eventType: string;
  readonly version: number;
  readonly json: string;
}

// Beyond this many events an update() retry reloads instead of holding the history in memory.
const MAX_CACHED_EVENTS = 10_000;

/**
 * The event store on PostgreSQL, over a TypeORM DataSource. A save appends all uncommitted events
 * in one statement (one transaction, one round trip); the `(aggregate_id, version)` unique
 * constraint makes the first writer win and turns every later one into a `ConcurrencyError`.
 *
 * @example
 * ```ts
 * const repository = new EventRepository(dataSource);
 * await repository.save(BankAccount.open(id, owner, 'EUR'), { correlationId, actor: 'ada' });
 * await repository.update(BankAccount, id, (account) => account.deposit(100), { retries: 5 });
 * const account = await repository.load(BankAccount, id);
 * ```
 */
export class EventRepository implements AggregateRepository<EventSaveOptions> {
  readonly #session: PgSession;
  readonly #serializer: EventSerializer;
  readonly #sql: EventSql;
  readonly #pageSize: number;

  constructor(dataSource: DataSource, options: EventRepositoryOptions = {}) {
    const pageSize = options.pageSize ?? 1000;
    if (!Number.isInteger(pageSize) || pageSize < 1) {
      throw new TypeError(`pageSize must be a positive integer, got ${pageSize}`);
    }
    this.#pageSize = pageSize;
    this.#session = new PgSession(dataSource, options.preparedStatements ?? true);
    this.#serializer = options.serializer ?? new EventSerializer();
    this.#sql = buildEventSql(
      qualifiedTableName(options.table ?? EVENTS_TABLE, options.schema),
      qualifiedTableName(options.snapshotTable ?? SNAPSHOTS_TABLE, options.schema),
    );
  }

  /** {@inheritDoc AggregateRepository.save} */
  save(aggregate: AggregateRoot, options?: EventSaveOptions): Promise<void> {
    return this.saveAll([aggregate], options);
  }

  /** {@inheritDoc AggregateRepository.saveAll} */
  async saveAll(
    aggregates: readonly AggregateRoot[],
    options: EventSaveOptions = {},
  ): Promise<void> {
    if (options === null || typeof options !== 'object') {
      throw new InvalidMetadataError('options', 'must be an object');
    }
    const { manager, ...metadata } = options;
    const batch = prepareAppend(aggregates, metadata, this.#serializer);
    if (batch.rows.length === 0) return;
    await runAppend(batch, () => this.#append(batch, manager));
  }

  /** {@inheritDoc AggregateRepository.load} */
  async load<T extends AggregateRoot>(type: AggregateClass<T>, id: string): Promise<T> {
    const aggregate = await this.find(type, id);
    if (!aggregate) throw new AggregateNotFoundError(aggregateTypeName(type), id);
    return aggregate;
  }

  /**
   * {@inheritDoc AggregateRepository.find}
   *
   * With a snapshot policy on the class, starts from the latest usable snapshot; either way the
   * events are read in pages of `pageSize` and folded as they arrive.
   */
  find<T extends AggregateRoot>(type: AggregateClass<T>, id: string): Promise<T | null> {
    return this.#read(type, normalizedId(id), undefined);
  }

  /** {@inheritDoc AggregateRepository.readStream} */
  async readStream(aggregateId: string): Promise<readonly StoredEvent[]> {
    const id = normalizedId(aggregateId);
    const rows = await this.#session.query<EventRow>(this.#sql.selectStream, [id]);
    return rows.map((row) => toStoredEvent(id, row));
  }

  /**
   * {@inheritDoc AggregateRepository.update}
   *
   * A retry does not reread the whole stream: it reads only the events appended since the
   * previous attempt and replays the rows already read from memory (decoded afresh). With
   * `manager`, reads and the save run on the caller's transaction.
   */
  async update<T extends AggregateRoot>(
    type: AggregateClass<T>,
    id: string,
    command: (aggregate: T) => void | Promise<void>,
    options: UpdateOptions & Pick<EventSaveOptions, 'manager'> = {},
  ): Promise<T> {
    if (typeof command !== 'function') throw new TypeError('update() needs a command function');
    const aggregateId = normalizedId(id);
    const { retries, baseDelayMs, maxDelayMs, ...saveOptions } = options;
    const cache: { current?: RetryCache } = {};
    return retryOnConflict(
      async () => {
        const aggregate = await this.#read(type, aggregateId, options.manager, cache);
        if (!aggregate) throw new AggregateNotFoundError(aggregateTypeName(type), aggregateId);
        await command(aggregate);
        await this.save(aggregate, saveOptions);
        return aggregate;
      },
      { retries, baseDelayMs, maxDelayMs },
    );
  }

  async #append(batch: AppendBatch, manager: EntityManager | undefined): Promise<void> {
    const { sql, params } = buildAppendStatement(this.#sql, batch);
    try {
      await this.#session.execute(sql, params, manager);
    } catch (error) {
      const conflictId = versionConflictAggregateId(error);
      if (conflictId === undefined) throw error;
      throw await toConcurrencyError(batch, conflictId, error, (aggregateId) =>
        this.#session.query<{ version: number }>(this.#sql.selectVersion, [aggregateId], manager),
      );
    }
  }

  /**
   * Rehydrates from snapshot and pages, on the caller's transaction when a manager is given. With
   * a retry cache, a later attempt replays the rows already read and reads only the newer ones.
   */
  #read<T extends AggregateRoot>(
    type: AggregateClass<T>,
    id: string,
    manager: EntityManager | undefined,
    cache?: { current?: RetryCache },
  ): Promise<T | null> {
    const typeName = aggregateTypeName(type);
    return this.#session.session(manager, async (query: BoundQuery, each: EachRow) => {
      let state = cache?.current;
      let first: readonly PageRow[] | undefined;
      let snapshot: UsableSnapshot | undefined;
      if (!state?.rows) {
        const head = await readHead(query, this.#sql, type, id, this.#pageSize);
        first = head.page;
        snapshot = head.snapshot;
        state = {
          snapshot: snapshot && {
            version: snapshot.version,
            stateJson: cache ? JSON.stringify(snapshot.state) : undefined,
          },
          outdated: head.outdated,
          rows: cache ? [] : undefined,
          version: head.snapshot?.version ?? 0,
        };
        if (cache) cache.current = state;
      } else if (state.snapshot?.stateJson !== undefined) {
        snapshot = {
          state: JSON.parse(state.snapshot.stateJson) as object,
          version: state.snapshot.version,
        };
      }
      const aggregate = new type(id);
      if (snapshot) aggregate.restoreSnapshot(snapshot.state, snapshot.version);
      const decoder = new StreamDecoder(
        typeName,
        aggregate.id,
        this.#serializer,
        aggregate.version,
      );
      if (state.rows && state.rows.length > 0) {
        aggregate.loadFromHistory(
          state.rows.map((row) =>
            decoder.decode({ ...row, payload: JSON.parse(row.json) as unknown }),
          ),
        );
      }
      const current = state;
      const fold = (row: FoldableEvent): void => {
        if (current.rows) {
          // Copied before the handlers run, so the cache holds the stored payloads, not
          // whatever a handler may do to them.
          current.rows.push({
            aggregateType: row.aggregateType,
            eventType: row.eventType,
            version: row.version,
            json: JSON.stringify(row.payload),
          });
          if (current.rows.length > MAX_CACHED_EVENTS) current.rows = undefined;
        }
        aggregate.loadFromHistory([decoder.decode(row)]);
        current.version = row.version;
      };
      await foldPages(
        { query, each },
        this.#sql,
        id,
        typeName,
        current.version,
        this.#pageSize,
        fold,
        first,
      );
      if (aggregate.version === 0) return null;
      this.#flagOverdueSnapshot(type, aggregate, current);
      return aggregate;
    });
  }

  /** A missing or outdated snapshot of a long enough stream is written on the next save. */
  #flagOverdueSnapshot(type: AggregateClass, aggregate: AggregateRoot, state: RetryCache): void {
    const policy = snapshotPolicyOf(type);
    if (!policy) return;
    if (state.outdated || (!state.snapshot && aggregate.version >= policy.every))
      markSnapshotDue(aggregate);
  }
}

function normalizedId(id: string): string {
  if (!isUuid(id)) throw new InvalidAggregateIdError(id);
  return id.toLowerCase();
}
