import type { AggregateRoot } from '../model/aggregate-root';
import { createHash, hash } from 'node:crypto';
import type { SaveOptions, UnchangedAggregate, UniqueValue } from './aggregate-repository';
import { isUuid } from '../model/uuid';
import { InvalidMetadataError } from '../errors/invalid-metadata-error';
import type { EventMetadata } from '../model/event-envelope';

type SharedMetadata = Omit<EventMetadata, 'schemaVersion' | 'occurredAt'>;
import { buildSharedMetadata } from '../model/event-metadata';
import type { EventSerializer } from '../codec/event-serializer';
import { isoStringOf } from '../codec/iso-time';
import { eventRegistry } from '../codec/event-registry';
import { aggregateTypeName, snapshotPolicyOf } from '../model/aggregate.decorator';
import { UnserializableEventError } from '../errors/unserializable-event-error';
import { snapshotChecks } from '../model/snapshot-check';
import type { SavedStream } from '../errors/outcome-unknown-error';

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
  /** With a command id: what a replay must match (see {@link eventsFingerprint}). */
  readonly fingerprint?: string;
}

/** Everything one `save`/`saveAll` appends, in one transaction. */
export interface AppendBatch {
  readonly streams: readonly PendingStream[];
  readonly rows: readonly PendingRow[];
  /** The save's command id (idempotency key), when it carried one. */
  readonly commandId?: string;
  /** Unique values claimed, each for an aggregate of the batch. */
  readonly claims: readonly HeldValue[];
  /** Unique values released by an aggregate of the batch. */
  readonly releases: readonly HeldValue[];
  /** Aggregates the batch does not write that must still be at these versions (ids lowercase). */
  readonly unchanged: readonly UnchangedAggregate[];
  /**
   * Data keys (distinct ids) the payloads were sealed with that the append must find in the keys
   * table, or write nothing: keys taken from a process's cache, which `forget` in another
   * process may have destroyed since they were read.
   */
  readonly requiredKeys?: readonly string[];
}

/** A unique value and the aggregate of the batch that claims or releases it. */
export interface HeldValue {
  readonly scope: string;
  readonly value: string;
  readonly aggregateId: string;
}

/**
 * Serializes the uncommitted events of the given aggregates. Everything that can be wrong with
 * the input (unregistered class, unserializable payload, bad metadata, the same aggregate twice)
 * throws here, before any I/O, so a rejected save writes nothing. Aggregates with no uncommitted
 * event are left out.
 */
export function prepareAppend(
  aggregates: readonly AggregateRoot[],
  options: SaveOptions | undefined,
  serializer: EventSerializer,
): AppendBatch {
  const commandId = checkedCommandId(options?.commandId);
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
        metadataJson: u.metadata
          ? ownMetadataJson(eventRegistry.infoOf(u.event).version, u.occurredAt, shared, u.metadata)
          : `{"schemaVersion":${eventRegistry.infoOf(u.event).version},` +
            `"occurredAt":"${isoStringOf(u.occurredAt)}"${sharedTail}}`,
      };
    });
    const expectedVersion = aggregate.version;
    const snapshot = pendingSnapshot(aggregate, aggregateType, expectedVersion, streamRows.length);
    const fingerprint =
      commandId === undefined ? undefined : eventsFingerprint(aggregateType, streamRows);
    streams.push({
      aggregate,
      aggregateType,
      expectedVersion,
      rows: streamRows,
      snapshot,
      fingerprint,
    });
    rows.push(...streamRows);
  }
  const claims = heldValues('claim', options?.claim, streams);
  const releases = heldValues('release', options?.release, streams);
  const unchanged = unchangedAggregates(options?.unchanged, streams);
  return commandId === undefined
    ? { streams, rows, claims, releases, unchanged }
    : { streams, rows, commandId, claims, releases, unchanged };
}

/** The largest version the `events.version` column (int) holds. */
const MAX_VERSION = 2 ** 31 - 1;

function unchangedAggregates(
  given: readonly UnchangedAggregate[] | undefined,
  streams: readonly PendingStream[],
): UnchangedAggregate[] {
  if (given === undefined) return [];
  // Callers from JavaScript can pass anything.
  const list: unknown = given;
  if (!Array.isArray(list)) throw new InvalidMetadataError('unchanged', 'must be an array');
  const seen = new Set<string>();
  return given.map((u, i) => {
    const at = `unchanged[${i}]`;
    if (typeof u !== 'object' || u === null)
      throw new InvalidMetadataError(at, 'must be an object');
    if (!isUuid(u.aggregateId))
      throw new InvalidMetadataError(`${at}.aggregateId`, 'must be a UUID');
    const aggregateId = u.aggregateId.toLowerCase();
    if (!Number.isInteger(u.version) || u.version < 0 || u.version > MAX_VERSION)
      throw new InvalidMetadataError(
        `${at}.version`,
        `must be an integer from 0 to ${MAX_VERSION}`,
      );
    if (seen.has(aggregateId)) throw new InvalidMetadataError(at, 'names the same aggregate twice');
    seen.add(aggregateId);
    if (streams.some((s) => s.aggregate.id === aggregateId)) {
      throw new InvalidMetadataError(
        `${at}.aggregateId`,
        'names an aggregate the save writes: its own version is already checked',
      );
    }
    return { aggregateId, version: u.version };
  });
}

function heldValues(
  field: 'claim' | 'release',
  values: readonly UniqueValue[] | undefined,
  streams: readonly PendingStream[],
): HeldValue[] {
  if (values === undefined) return [];
  // Callers from JavaScript can pass anything.
  const given: unknown = values;
  if (!Array.isArray(given)) throw new InvalidMetadataError(field, 'must be an array');
  const seen = new Set<string>();
  return values.map((v, i) => {
    const at = `${field}[${i}]`;
    if (typeof v !== 'object' || v === null)
      throw new InvalidMetadataError(at, 'must be an object');
    for (const [part, max] of [
      ['scope', 255],
      ['value', 1024],
    ] as const) {
      const text: unknown = v[part];
      if (
        typeof text !== 'string' ||
        text.length === 0 ||
        text.length > max ||
        text.includes('\u0000')
      ) {
        throw new InvalidMetadataError(
          `${at}.${part}`,
          `must be a string of 1-${max} characters without NUL`,
        );
      }
    }
    const key = `${v.scope}\u0000${v.value}`;
    if (seen.has(key)) throw new InvalidMetadataError(at, 'names the same value twice');
    seen.add(key);
    const aggregateId =
      v.aggregateId === undefined && streams.length === 1
        ? streams[0].aggregate.id
        : typeof v.aggregateId === 'string'
          ? v.aggregateId.toLowerCase()
          : undefined;
    if (aggregateId === undefined || !streams.some((s) => s.aggregate.id === aggregateId)) {
      throw new InvalidMetadataError(
        `${at}.aggregateId`,
        'must name an aggregate of the save that has events (required with several)',
      );
    }
    return { scope: v.scope, value: v.value, aggregateId };
  });
}

/** The metadata of an event raised with its own: the save's, its own ids and headers winning. */
function ownMetadataJson(
  schemaVersion: number,
  occurredAt: Date,
  shared: SharedMetadata,
  own: SharedMetadata,
): string {
  const headers = shared.headers || own.headers ? { ...shared.headers, ...own.headers } : undefined;
  return JSON.stringify({
    schemaVersion,
    occurredAt: isoStringOf(occurredAt),
    ...shared,
    ...own,
    ...(headers ? { headers } : {}),
  });
}

/** Up to this many characters a fingerprint's input is hashed as one text. */
const ONE_SHOT_FINGERPRINT_CHARS = 64 * 1024;

/**
 * What makes two saves under one command id the same command: the aggregate type and each
 * event's type and payload, in order. Not ids, versions or times: a retry through `update()`
 * raises new events on a reloaded aggregate, with new ids and, after a lost acknowledgement,
 * other versions.
 */
export function eventsFingerprint(
  aggregateType: string,
  rows: readonly Pick<PendingRow, 'eventType' | 'payloadJson'>[],
): string {
  // The same bytes either way, so fingerprints already stored still match. A save of a few small
  // events (the common one) is hashed as one text in one call, without a Hash object and a native
  // call per part; a large one part by part, so its payloads are never copied into one string.
  let length = aggregateType.length;
  for (const row of rows) length += row.eventType.length + row.payloadJson.length + 2;
  if (length <= ONE_SHOT_FINGERPRINT_CHARS) {
    let text = aggregateType;
    for (const row of rows) text += `\u0000${row.eventType}\u0000${row.payloadJson}`;
    return hash('sha256', text, 'base64url');
  }
  const parts = createHash('sha256').update(aggregateType);
  for (const row of rows)
    parts.update('\u0000').update(row.eventType).update('\u0000').update(row.payloadJson);
  return parts.digest('base64url');
}

function checkedCommandId(commandId: unknown): string | undefined {
  if (commandId === undefined) return undefined;
  if (
    typeof commandId !== 'string' ||
    commandId.length === 0 ||
    commandId.length > 255 ||
    commandId.includes('\u0000')
  ) {
    throw new InvalidMetadataError('commandId', 'must be a string of 1-255 characters without NUL');
  }
  return commandId;
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
  snapshotChecks.check(aggregate);
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

/** The streams a batch writes, with the versions it attempts. */
export function attemptedStreams(batch: AppendBatch): readonly SavedStream[] {
  return batch.streams.map((s) => ({
    aggregateId: s.aggregate.id,
    aggregateType: s.aggregateType,
    firstVersion: s.expectedVersion + 1,
    lastVersion: s.expectedVersion + s.rows.length,
  }));
}
