import type { AggregateRoot } from './aggregate-root';
import { ConcurrentSaveError } from './errors/concurrent-save-error';
import type { EventMetadataOptions } from './event-envelope';
import { buildSharedMetadata } from './event-metadata';
import type { EventSerializer } from './event-serializer';
import { isoStringOf } from './iso-time';
import { eventRegistry } from './metadata/event-registry';
import { aggregateTypeName, snapshotPolicyOf } from './metadata/aggregate.decorator';
import { UnserializableEventError } from './errors/unserializable-event-error';

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

const saving = new WeakSet<AggregateRoot>();
const snapshotDue = new WeakSet<AggregateRoot>();

/**
 * Marks a loaded aggregate whose snapshot was missing or of an outdated version, so its next
 * save writes a fresh one whatever the interval says.
 */
export function markSnapshotDue(aggregate: AggregateRoot): void {
  snapshotDue.add(aggregate);
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
  if (!Array.isArray(aggregates as unknown))
    throw new TypeError('saveAll expects an array of aggregates');
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
  if (
    Math.floor(to / policy.every) === Math.floor(from / policy.every) &&
    !snapshotDue.has(aggregate)
  ) {
    return undefined;
  }
  let stateJson: string;
  try {
    stateJson = JSON.stringify(aggregate.toSnapshot());
  } catch (error) {
    throw new UnserializableEventError(`${aggregateType} snapshot`, '', (error as Error).message);
  }
  return { version: to, schemaVersion: policy.version, stateJson };
}

/**
 * Runs an append with every aggregate of the batch marked as being saved, so the same instance
 * handed to a second save meanwhile gets {@link ConcurrentSaveError} instead of a duplicate write.
 * On success the aggregates are marked committed; on failure they keep their uncommitted events.
 */
export async function runAppend(batch: AppendBatch, append: () => Promise<void>): Promise<void> {
  const busy = batch.streams.find((s) => saving.has(s.aggregate));
  if (busy) throw new ConcurrentSaveError(busy.aggregateType, busy.aggregate.id);
  for (const s of batch.streams) saving.add(s.aggregate);
  try {
    await append();
    for (const s of batch.streams) {
      s.aggregate.markCommitted(s.rows.length);
      if (s.snapshot) snapshotDue.delete(s.aggregate);
    }
  } finally {
    for (const s of batch.streams) saving.delete(s.aggregate);
  }
}
