import type { AppendBatch, PendingRow, PendingStream } from './append-batch';
import { eventsFingerprint } from './append-batch';
import type { DataKey } from '../personal-data/data-key';
import type { Nonces } from '../personal-data/nonces';
import { personalPropertiesOf, subjectResolverOf } from '../personal-data/personal-data-metadata';
import { fingerprintValue, sealValue } from '../personal-data/sealed-value';
import { handledEventClasses } from '../model/apply.decorator';
import { MissingDataSubjectError } from '../errors/missing-data-subject-error';

/** The data subject of every event of a batch that holds personal data, by event id. */
export type BatchSubjects = ReadonlyMap<string, string>;

/**
 * Finds the events of a batch that hold a `@PersonalData` value, and the data subject of each.
 * An event with personal data whose subject is missing throws {@link MissingDataSubjectError}
 * (before any I/O). Empty when the batch holds no personal data.
 */
export function batchSubjects(batch: AppendBatch): BatchSubjects {
  const subjects = new Map<string, string>();
  for (const stream of batch.streams) {
    const events = eventsOf(stream);
    stream.rows.forEach((row, i) => {
      const event = events[i];
      if (!holdsPersonalData(event, new Set())) return;
      subjects.set(row.eventId, subjectOfEvent(event, row.eventType));
    });
  }
  return subjects;
}

/**
 * The batch with every personal value encrypted with its subject's key, under a nonce from
 * `nonces` (rows re-serialized), command-id fingerprints taken over keyed hashes of those values
 * instead of the values, and no snapshot of an aggregate whose state may hold personal data (it
 * would hold it in plain text).
 */
export function sealBatch(
  batch: AppendBatch,
  subjects: BatchSubjects,
  keys: ReadonlyMap<string, DataKey>,
  nonces: Nonces,
): AppendBatch {
  const streams = batch.streams.map((stream): PendingStream => {
    const events = eventsOf(stream);
    const fingerprintRows: Pick<PendingRow, 'eventType' | 'payloadJson'>[] = [];
    let sealed = false;
    const rows = stream.rows.map((row, i): PendingRow => {
      const subject = subjects.get(row.eventId);
      if (subject === undefined) {
        fingerprintRows.push(row);
        return row;
      }
      const key = keys.get(subject);
      if (!key) throw new Error(`no data key for subject ${subject}`);
      sealed = true;
      if (stream.fingerprint !== undefined) {
        const form = replacePersonal(events[i], JSON.parse(row.payloadJson), (v) =>
          fingerprintValue(key, v),
        );
        fingerprintRows.push({ eventType: row.eventType, payloadJson: JSON.stringify(form) });
      }
      const payload = replacePersonal(events[i], JSON.parse(row.payloadJson), (v) =>
        sealValue(key, v, nonces.next()),
      );
      return { ...row, payloadJson: JSON.stringify(payload) };
    });
    const snapshot =
      stream.snapshot && snapshotMayHoldPersonalData(stream.aggregate)
        ? undefined
        : stream.snapshot;
    return {
      ...stream,
      rows,
      snapshot,
      fingerprint:
        sealed && stream.fingerprint !== undefined
          ? eventsFingerprint(stream.aggregateType, fingerprintRows)
          : stream.fingerprint,
    };
  });
  const rows: PendingRow[] = [];
  for (const stream of streams) rows.push(...stream.rows);
  return { ...batch, streams, rows };
}

/** The event instances of a stream's rows, in order (the rows were made from them). */
function eventsOf(stream: PendingStream): object[] {
  const envelopes = stream.aggregate.getUncommittedEnvelopes();
  return stream.rows.map((row, i) => {
    const envelope = envelopes[i];
    if (envelope?.eventId !== row.eventId) {
      throw new Error(`${stream.aggregateType} ${stream.aggregate.id} changed during its save`);
    }
    return envelope.event;
  });
}

/**
 * An aggregate's snapshot may hold personal data in plain text when its class handles an event
 * class that declares a data subject (its handlers may copy the values anywhere in the state),
 * or when its state holds a `@PersonalData` value.
 */
function snapshotMayHoldPersonalData(aggregate: object): boolean {
  return (
    handledEventClasses(Object.getPrototypeOf(aggregate) as object).some(
      (type) => subjectResolverOf(type) !== undefined,
    ) || holdsPersonalData(aggregate, new Set())
  );
}

/** True when an object graph holds a non-null value of a `@PersonalData` property. */
export function holdsPersonalData(value: unknown, seen: Set<object>): boolean {
  if (value === null || typeof value !== 'object' || seen.has(value)) return false;
  seen.add(value);
  const personal = personalPropertiesOf(value.constructor);
  for (const [name, inner] of Object.entries(value)) {
    if (personal.has(name)) {
      if (inner !== null && inner !== undefined) return true;
    } else if (holdsPersonalData(inner, seen)) return true;
  }
  return false;
}

/** The data subject of an event; {@link MissingDataSubjectError} when it declares none. */
export function subjectOfEvent(event: object, eventType: string): string {
  const resolve = subjectResolverOf(event.constructor);
  const subject = resolve?.(event);
  if (typeof subject !== 'string' || subject.length === 0 || subject.length > 255) {
    throw new MissingDataSubjectError(eventType, resolve !== undefined);
  }
  return subject;
}

/**
 * Walks an event instance and its plain JSON side by side: the instance says (by its classes)
 * which properties are personal, the plain copy gets them replaced.
 */
export function replacePersonal(
  instance: unknown,
  plain: unknown,
  replace: (value: unknown) => unknown,
): unknown {
  if (instance === null || typeof instance !== 'object') return plain;
  if (plain === null || typeof plain !== 'object') return plain;
  const personal = personalPropertiesOf(instance.constructor);
  const from = instance as Record<string, unknown>;
  const to = plain as Record<string, unknown>;
  for (const name of Object.keys(to)) {
    const value = to[name];
    if (value === null || value === undefined) continue;
    if (personal.has(name)) to[name] = replace(value);
    else to[name] = replacePersonal(from[name], value, replace);
  }
  return plain;
}
