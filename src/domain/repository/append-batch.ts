import type { AggregateRoot } from '../model/aggregate-root';
import type { EventMetadataOptions } from '../model/event-envelope';
import { buildSharedMetadata } from './event-metadata';
import type { EventSerializer } from '../codec/event-serializer';
import { isoStringOf } from '../codec/iso-time';
import { eventRegistry } from '../codec/event-registry';
import { aggregateTypeName, snapshotPolicyOf } from '../model/aggregate.decorator';
import { UnserializableEventError } from '../errors/unserializable-event-error';
import { checkSnapshotOnce } from '../model/snapshot-check';

// Aggregate classes whose snapshot was checked at a first save that wrote one.
const snapshotCheckedAtSave = new WeakSet<object>();

/** One row to append, fully serialized. */
export interface PendingRow {
  readonly eventId: string;
  readonly aggregateId: string;
  readonly aggregateType: string;
  readonly eventType: string;
  readonly version: number;
  readonly payloadJson: string;
  readonly metadataJson: string;
}

/** A snapshot written together with a stream's events. */
export interface PendingSnapshot {
  /** The aggregate version the state corresponds to: the last appended event's. */
  readonly version: number;
  readonly schemaVersion: number;
  readonly stateJson: string;
}

/** One aggregate's share of a batch. */
export interface PendingStream {
  readonly aggregate: AggregateRoot;
  readonly aggregateType: string;
  /** The version the events were raised on: the aggregate's committed version. */
  readonly expectedVersion: number;
  readonly rows: readonly PendingRow[];
  /** Present when this save reaches the aggregate's snapshot interval (or one is overdue). */
  readonly snapshot?: PendingSnapshot;
}

/** Everything one `save`/`saveAll` appends, in one transaction. */
export interface AppendBatch {
  readonly streams: readonly PendingStream[];
  readonly rows: readonly PendingRow[];
}

/**
 * Serializes the uncommitted events of the given aggregates. Everything that can be wrong with
 * the input (unregistered class, unserializable payload, bad metadata, the same aggregate twice)
 * throws here, before any I/O, so a rejected save writes nothing. Aggregates with no uncommitted
 * event are left out.
 */
export function prepareAppend(
  aggregates: readonly AggregateRoot[],
  options: EventMetadataOptions | undefined,
  serializer: EventSerializer,
): AppendBatch {
  // Callers from JavaScript can pass anything.
  const given: unknown = aggregates;
  if (!Array.isArray(given)) throw new TypeError('saveAll expects an array of aggregates');
  const shared = buildSharedMetadata(options ?? {});
  const sharedJson = JSON.stringify(shared);
  const sharedTail = sharedJson === '{}' ? '' : `,${sharedJson.slice(1, -1)}`;
  const seen = new Set<string>();
  const streams: PendingStream[] = [];
  const rows: PendingRow[] = [];
  // Rows go in aggregate-id order: two concurrent saves of overlapping aggregates then take their
  // unique-index entries in the same order, so the later one fails with a version conflict
  // instead of both waiting on each other until PostgreSQL aborts one as a deadlock.
  const ordered = [...aggregates].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const aggregate of ordered) {
    const aggregateType = aggregateTypeName(aggregate.constructor);
    if (seen.has(aggregate.id)) {
      throw new TypeError(`${aggregateType} ${aggregate.id} appears twice in one saveAll`);
    }
    seen.add(aggregate.id);
    const envelopes = aggregate.getUncommittedEnvelopes();
    if (envelopes.length === 0) continue;
    const streamRows = envelopes.map((u): PendingRow => {
      serializer.assertPayloadSize(u.eventType, u.json);
      return {
        eventId: u.eventId,
        aggregateId: aggregate.id,
        aggregateType,
        eventType: u.eventType,
        version: u.version,
        payloadJson: u.json,
        // The same text as JSON.stringify({ schemaVersion, occurredAt, ...shared }), with the part
        // shared by every event of the save stringified once.
        metadataJson:
          `{"schemaVersion":${eventRegistry.infoOf(u.event).version},` +
          `"occurredAt":"${isoStringOf(u.occurredAt)}"${sharedTail}}`,
      };
    });
    const expectedVersion = aggregate.version;
    const snapshot = pendingSnapshot(aggregate, aggregateType, expectedVersion, streamRows.length);
    streams.push({ aggregate, aggregateType, expectedVersion, rows: streamRows, snapshot });
    rows.push(...streamRows);
  }
  return { streams, rows };
}

function pendingSnapshot(
  aggregate: AggregateRoot,
  aggregateType: string,
  from: number,
  count: number,
): PendingSnapshot | undefined {
  const policy = snapshotPolicyOf(aggregate.constructor);
  if (!policy) return undefined;
  const to = from + count;
  // Due when the save reaches a multiple of the interval past the last snapshot this instance
  // knows of. For a loaded aggregate whose snapshot was missing or of another schema version that
  // is 0, so a long enough stream gets a fresh one on its next save.
  if (Math.floor(to / policy.every) <= Math.floor(aggregate.snapshotVersion / policy.every)) {
    return undefined;
  }
  checkSnapshotOnce(aggregate, snapshotCheckedAtSave);
  let stateJson: string;
  try {
    stateJson = JSON.stringify(aggregate.toSnapshot());
  } catch (error) {
    throw new UnserializableEventError(`${aggregateType} snapshot`, '', (error as Error).message);
  }
  return { version: to, schemaVersion: policy.version, stateJson };
}

/**
 * Called once a batch is stored: each aggregate's appended events become committed (events raised
 * meanwhile stay uncommitted for the next save), and a written snapshot becomes its latest.
 */
export function markBatchCommitted(batch: AppendBatch): void {
  for (const s of batch.streams) s.aggregate.markCommitted(s.rows.length, s.snapshot !== undefined);
}
