import { CommandIdReusedError } from '../errors/command-id-reused-error';
import type { AppendBatch } from './append-batch';
import type { SaveResult } from './save-result';

/** A stored command key: what a keyed save wrote for one aggregate. */
export interface StoredCommandKey {
  readonly aggregateId: string;
  readonly fingerprint: string;
  readonly firstVersion: number;
  readonly lastVersion: number;
}

/** Where a stored event is: read back by id to recognise a save of the same instance. */
export interface StoredEventPlace {
  readonly eventId: string;
  readonly aggregateId: string;
  readonly version: number;
}

/** A replay found: its result, and whether the batch's own events are the stored ones. */
export interface Replay {
  readonly result: SaveResult;
  /** True when the same instance's events are stored: they can be marked committed. */
  readonly sameEvents: boolean;
}

/**
 * Decides, after a save was refused (or its outcome was lost), whether it is already stored.
 * With a command id: every stream's key stored with the same fingerprint is a replay; a key
 * stored with another fingerprint, or for only some of the streams, is a reuse
 * ({@link CommandIdReusedError}). Without a stored key: every event of the batch stored under
 * its id at its version (the implicit key) is a replay of the same instance. Otherwise
 * undefined: the save is not stored.
 */
export function resolveReplay(
  batch: AppendBatch,
  keys: readonly StoredCommandKey[],
  events: readonly StoredEventPlace[],
): Replay | undefined {
  const placed = new Map(events.map((e) => [e.eventId, e]));
  const sameEvents = batch.rows.every((row) => {
    const stored = placed.get(row.eventId);
    return stored?.aggregateId === row.aggregateId && stored.version === row.version;
  });
  const byAggregate = new Map(keys.map((k) => [k.aggregateId, k]));
  if (batch.commandId !== undefined && byAggregate.size > 0) {
    const streams = batch.streams.map((s) => {
      const key = byAggregate.get(s.aggregate.id);
      if (!key || key.fingerprint !== s.fingerprint) {
        throw new CommandIdReusedError(s.aggregate.id, s.aggregateType, batch.commandId!);
      }
      return {
        aggregateId: s.aggregate.id,
        aggregateType: s.aggregateType,
        firstVersion: key.firstVersion,
        lastVersion: key.lastVersion,
      };
    });
    return { result: { replayed: true, streams }, sameEvents };
  }
  if (!sameEvents || batch.rows.length === 0) return undefined;
  const streams = batch.streams.map((s) => ({
    aggregateId: s.aggregate.id,
    aggregateType: s.aggregateType,
    firstVersion: s.expectedVersion + 1,
    lastVersion: s.expectedVersion + s.rows.length,
  }));
  return { result: { replayed: true, streams }, sameEvents };
}
