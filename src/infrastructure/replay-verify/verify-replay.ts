import type { DataSource } from 'typeorm';
import type { AggregateClass, AggregateRoot } from '../../domain/model/aggregate-root';
import { aggregateTypeName } from '../../domain/model/aggregate.decorator';
import { EventSerializer } from '../../domain/codec/event-serializer';
import { Rehydrator } from '../../domain/repository/rehydrator';
import { TesseraError } from '../../domain/errors/tessera-error';
import { EVENTS_TABLE } from '../../migrations/schema-names';
import { PgSession } from '../session/pg-session';
import { schemaVersionOf } from '../load/schema-version-of';
import { revealPayload } from '../../domain/personal-data/reveal-payload';
import type { DataKey } from '../../domain/personal-data/data-key';
import { qualifiedTableName } from '../sql/sql-identifier';
import type { ReplayFailure, ReplayProgress, ReplayReport } from './replay-report';
import { ReplayStatements, type ReplayRow } from './replay-statements';

/** Options of {@link verifyReplay}. */
export interface VerifyReplayOptions {
  /** The aggregate classes today's code has; a stream of another type is a failure. */
  readonly aggregates: readonly AggregateClass[];
  /** Only streams of this aggregate type (its `@Aggregate` name). */
  readonly aggregateType?: string;
  /**
   * Only this fraction of the streams, in (0, 1]: chosen by a hash of the aggregate id, so the
   * same streams on every run. Default 1 (every stream).
   */
  readonly sample?: number;
  /** Rows per statement of the keyset scan. Default 5000. */
  readonly pageSize?: number;
  /** Failures kept in the report (`failedStreams` counts every one). Default 1000. */
  readonly maxFailures?: number;
  /** Serializer and upcasters to replay with; a default one otherwise. */
  readonly serializer?: EventSerializer;
  /** Schema of the events table; the connection's search_path when omitted. */
  readonly schema?: string;
  /** Name of the events table. Default `events`. */
  readonly table?: string;
  /** Called after each page: drive a progress bar with it. */
  readonly onProgress?: (progress: ReplayProgress) => void;
  /** Stops the scan after the current page; the report then covers what was read. */
  readonly signal?: AbortSignal;
}

/**
 * Replays every stored stream (or those of one aggregate type, or a sample) through today's
 * code: upcasters, event classes and their validation, the aggregate's constructor and `@Apply`
 * handlers, from the first event (snapshots are not used). Each stream that no longer loads is
 * reported with its id, the version and type of the event that failed, and why; the scan goes
 * on with the next stream. It reads the table once, in keyset pages on `(aggregate_id,
 * version)` streamed row by row, so memory holds one row and one aggregate whatever the size.
 * The constructor of a repository refuses a broken upcaster chain; so does this, before reading.
 *
 * @example
 * ```ts
 * const report = await verifyReplay(dataSource, { aggregates: [BankAccount] });
 * for (const f of report.failures) console.error(f.aggregateId, f.version, f.code, f.message);
 * process.exitCode = report.ok ? 0 : 1;
 * ```
 */
export async function verifyReplay(
  dataSource: DataSource,
  options: VerifyReplayOptions,
): Promise<ReplayReport> {
  const started = Date.now();
  const settings = checkedOptions(options);
  const serializer = options.serializer ?? new EventSerializer();
  serializer.upcasters.assertComplete();
  const classes = new Map<string, AggregateClass>();
  for (const type of options.aggregates) classes.set(aggregateTypeName(type), type);
  const statements = new ReplayStatements(
    qualifiedTableName(options.table ?? EVENTS_TABLE, options.schema),
  );
  const session = new PgSession(dataSource, true);
  const failures: ReplayFailure[] = [];
  const progress = { streams: 0, events: 0, failedStreams: 0, estimatedEvents: 0 };

  /** The stream being folded; `failed` once one of its events failed (its rest is skipped). */
  let stream:
    | { id: string; type: string; rehydrator?: Rehydrator<AggregateRoot>; failed: boolean }
    | undefined;
  const fail = (version: number, eventType: string | undefined, code: string, message: string) => {
    stream!.failed = true;
    progress.failedStreams += 1;
    if (failures.length < settings.maxFailures) {
      failures.push({
        aggregateId: stream!.id,
        aggregateType: stream!.type,
        version,
        ...(eventType === undefined ? {} : { eventType }),
        code,
        message,
      });
    }
  };
  const begin = (id: string, type: string): void => {
    progress.streams += 1;
    stream = { id, type, failed: false };
    const aggregate = classes.get(type);
    if (!aggregate) {
      fail(0, undefined, 'UNKNOWN_AGGREGATE_TYPE', `no aggregate class given for type "${type}"`);
      return;
    }
    try {
      stream.rehydrator = new Rehydrator(aggregate, id, serializer);
    } catch (error) {
      fail(0, undefined, 'AGGREGATE_CONSTRUCTOR', messageOf(error));
    }
  };
  const onRow = (row: ReplayRow): void => {
    const [id, type, version, eventType, payload, schemaVersion] = row;
    progress.events += 1;
    after = [id, version];
    if (stream?.id !== id) begin(id, type);
    if (stream!.failed) return;
    try {
      stream!.rehydrator!.apply({
        aggregateType: type,
        eventType,
        version,
        // Without the keys every sealed personal value reads as forgotten: handlers must take
        // that anyway, and the replay needs no master key.
        payload: revealPayload(payload, NO_KEYS),
        schemaVersion: schemaVersionOf(schemaVersion),
      });
    } catch (error) {
      const code = error instanceof TesseraError ? error.code : 'HANDLER_FAILED';
      fail(version, eventType, code, messageOf(error));
    }
  };

  let after: [string, number] = [ZERO_UUID, 0];
  await session.session(undefined, async (query, each) => {
    const estimate = statements.estimate();
    const [row] = await query<[number]>(estimate.sql, estimate.params);
    progress.estimatedEvents = Math.max(0, Math.round(row?.[0] ?? 0));
    for (;;) {
      const { sql, params } = statements.page(
        after,
        settings.pageSize,
        options.aggregateType,
        settings.sample,
      );
      const rows = await each<ReplayRow>(sql, params, onRow);
      options.onProgress?.({ ...progress });
      if (rows < settings.pageSize || options.signal?.aborted) return;
    }
  });
  return {
    ...progress,
    ok: progress.failedStreams === 0,
    failures,
    durationMs: Date.now() - started,
  };
}

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
const NO_KEYS: ReadonlyMap<string, DataKey> = new Map();

function checkedOptions(options: VerifyReplayOptions): {
  pageSize: number;
  maxFailures: number;
  sample: number | undefined;
} {
  if (options === null || typeof options !== 'object' || !Array.isArray(options.aggregates)) {
    throw new TypeError('verifyReplay needs options with the aggregate classes: { aggregates }');
  }
  const pageSize = options.pageSize ?? 5000;
  if (!Number.isInteger(pageSize) || pageSize < 1) {
    throw new TypeError(`pageSize must be a positive integer, got ${pageSize}`);
  }
  const maxFailures = options.maxFailures ?? 1000;
  if (!Number.isInteger(maxFailures) || maxFailures < 0) {
    throw new TypeError(`maxFailures must be a non-negative integer, got ${maxFailures}`);
  }
  const sample = options.sample;
  if (sample !== undefined && !(typeof sample === 'number' && sample > 0 && sample <= 1)) {
    throw new TypeError(`sample must be a fraction in (0, 1], got ${String(sample)}`);
  }
  return { pageSize, maxFailures, sample: sample === 1 ? undefined : sample };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
