import type { DataSource, EntityManager } from 'typeorm';
import { EVENTS_TABLE } from '../../migrations/schema-names';
import { qualifiedTableName } from '../sql/sql-identifier';
import { assertFeedCheckpoint, type FeedCheckpoint } from './feed-checkpoint';
import type { PersonalDataOptions } from '../personal-data/personal-data-options';
import { FeedRevealer } from '../personal-data/feed-revealer';
import { toFeedEvent, type FeedEvent, type FeedEventRow } from './feed-event';
import {
  upcasters as globalUpcasters,
  type UpcasterRegistry,
} from '../../domain/codec/upcaster-registry';
import { upcastFeedEvents } from './upcast-feed-events';

/** Options of {@link OrderedEventReader}. */
export interface OrderedEventReaderOptions {
  /** Schema of the events table; the connection's search_path when omitted. */
  readonly schema?: string;
  /** Name of the events table. Default `events`. */
  readonly table?: string;
  /**
   * Decrypts `@PersonalData` values (the master key, as given to `EventRepository`); without it
   * the events carry the stored ciphertext.
   */
  readonly personalData?: PersonalDataOptions;
  /**
   * The upcaster chains events are read through (see `upcastFeedEvents`). Default: the
   * process-wide registry `registerUpcaster()` fills.
   */
  readonly upcasters?: UpcasterRegistry;
}

/** What to read in one {@link OrderedEventReader.readPage} call. */
export interface FeedPageRequest {
  /** Largest number of events returned. Default 500, at most 10,000. */
  readonly limit?: number;
  /** Only events of these aggregate types. */
  readonly aggregateTypes?: readonly string[];
  /**
   * Only events of these event types, as today's code names them: stored events of older
   * names that upcasters rename or split into one of them are read too.
   */
  readonly eventTypes?: readonly string[];
  /** Run in this transaction instead of an autocommit statement on the pool. */
  readonly manager?: EntityManager;
  /**
   * Skip the in-flight guard and read every committed row. Only correct while no writer can be
   * mid-append for the events you care about, for example during a rebuild that holds the
   * projection's exclusive lock; otherwise events are skipped.
   */
  readonly unguarded?: boolean;
}

/** One page of the ordered feed. */
export interface FeedPage {
  /**
   * Events in `(transaction_id, position)` order, upcast to their classes' current versions
   * (a split row gives several events with the same position).
   */
  readonly events: readonly FeedEvent[];
  /** Where the next page starts: the last event's pair, or the request's checkpoint if empty. */
  readonly checkpoint: FeedCheckpoint;
  /** True when the page is full, so more events may be readable right away. */
  readonly hasMore: boolean;
}

const DEFAULT_LIMIT = 500;
const MAX_LIMIT = 10_000;

/**
 * Reads the `events` table in a total order that never skips an event whose transaction commits
 * late: `(transaction_id, position)`, limited to transactions older than every transaction still
 * running. Positions come from a sequence, so a naive `position > $checkpoint` reader misses
 * a row whose transaction commits after a later position was read; a transaction id below the
 * snapshot's xmin, by contrast, is known to be finished, and any transaction that commits later
 * has a larger id than every row already delivered.
 *
 * Stateless: the caller keeps the checkpoint (see the projection runners for a durable one).
 *
 * @example
 * ```ts
 * const reader = new OrderedEventReader(dataSource);
 * let checkpoint = FEED_START;
 * for (;;) {
 *   const page = await reader.readPage(checkpoint, { limit: 200 });
 *   for (const event of page.events) handle(event);
 *   checkpoint = page.checkpoint;
 *   if (!page.hasMore) break;
 * }
 * ```
 */
export class OrderedEventReader {
  readonly #dataSource: DataSource;
  readonly #guarded: string;
  readonly #unguarded: string;
  readonly #revealer: FeedRevealer | undefined;
  readonly #upcasters: UpcasterRegistry;

  constructor(dataSource: DataSource, options: OrderedEventReaderOptions = {}) {
    this.#dataSource = dataSource;
    this.#upcasters = options.upcasters ?? globalUpcasters;
    this.#upcasters.assertComplete();
    const table = qualifiedTableName(options.table ?? EVENTS_TABLE, options.schema);
    this.#guarded = selectPageSql(table, true);
    this.#unguarded = selectPageSql(table, false);
    this.#revealer = FeedRevealer.of(options.personalData, options.schema);
  }

  /** Reads the events after `after`, oldest first. */
  async readPage(after: FeedCheckpoint, request: FeedPageRequest = {}): Promise<FeedPage> {
    assertFeedCheckpoint(after);
    const limit = request.limit ?? DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw new TypeError(`limit must be an integer from 1 to ${MAX_LIMIT}, got ${limit}`);
    }
    const params = [
      after.transactionId,
      after.position,
      request.aggregateTypes ? [...request.aggregateTypes] : null,
      request.eventTypes ? this.#upcasters.sourcesOf(request.eventTypes) : null,
      limit,
    ];
    const sql = request.unguarded ? this.#unguarded : this.#guarded;
    const runner = request.manager ?? this.#dataSource;
    const rows = await runner.query<FeedEventRow[]>(sql, params);
    const stored = rows.map(toFeedEvent);
    const last = stored[stored.length - 1];
    // Decrypted before upcasting: the upcasters see the plain values, as on load.
    const read = this.#revealer ? await this.#revealer.reveal(stored, runner) : stored;
    return {
      events: upcastFeedEvents(read, this.#upcasters, request.eventTypes),
      checkpoint: last ? { transactionId: last.transactionId, position: last.position } : after,
      hasMore: read.length === limit,
    };
  }
}

function selectPageSql(table: string, guarded: boolean): string {
  return (
    'SELECT e.id, e.aggregate_id, e.aggregate_type, e.event_type, e.version, e.payload, e.metadata, ' +
    'e.created_at, e.position::text AS position, e.transaction_id::text AS transaction_id ' +
    `FROM ${table} e WHERE (e.transaction_id, e.position) > ($1::xid8, $2::bigint) ` +
    // The guard: rows of transactions that may still be running (and of younger ones, which can
    // commit before them) wait until every older transaction has finished.
    (guarded ? 'AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot()) ' : '') +
    'AND ($3::varchar[] IS NULL OR e.aggregate_type = ANY($3::varchar[])) ' +
    'AND ($4::varchar[] IS NULL OR e.event_type = ANY($4::varchar[])) ' +
    // Qualified on purpose: a bare name would sort by the text output columns of the same name.
    'ORDER BY e.transaction_id, e.position LIMIT $5'
  );
}
