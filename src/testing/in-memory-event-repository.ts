import { randomUUID } from 'node:crypto';
import type { AggregateClass, AggregateRoot } from '../domain/model/aggregate-root';
import type {
  AggregateRepository,
  SaveOptions,
  UpdateOptions,
} from '../domain/repository/aggregate-repository';
import {
  markBatchCommitted,
  prepareAppend,
  type AppendBatch,
  type HeldValue,
  type PendingRow,
  type PendingSnapshot,
} from '../domain/repository/append-batch';
import { AggregateNotFoundError } from '../domain/errors/aggregate-not-found-error';
import { ConcurrencyError } from '../domain/errors/concurrency-error';
import { InvalidAggregateIdError } from '../domain/errors/invalid-aggregate-id-error';
import type { StoredEvent } from '../domain/model/event-envelope';
import { EventSerializer } from '../domain/codec/event-serializer';
import { aggregateTypeName, snapshotPolicyOf } from '../domain/model/aggregate.decorator';
import { AggregateTypeMismatchError } from '../domain/errors/aggregate-type-mismatch-error';
import { Rehydrator } from '../domain/repository/rehydrator';
import { streamRange, type ReadStreamOptions } from '../domain/repository/read-stream-options';
import { pointInTime, type LoadOptions, type PointInTime } from '../domain/repository/load-options';
import { SavesInFlight } from '../domain/repository/saves-in-flight';
import { splitUpdateOptions, updateWithRetry } from '../domain/repository/update-with-retry';
import { isUuid } from '../domain/model/uuid';
import { OutcomeUnknownError } from '../domain/errors/outcome-unknown-error';
import { UniqueValueTakenError } from '../domain/errors/unique-value-taken-error';
import {
  resolveReplay,
  type Replay,
  type StoredCommandKey,
  type StoredEventPlace,
} from '../domain/repository/resolve-replay';
import { NOTHING_SAVED, type SaveResult } from '../domain/repository/save-result';
import { attemptedStreams } from '../domain/repository/append-batch';
import { batchSubjects, sealBatch } from '../domain/repository/seal-batch';
import { Nonces } from '../domain/personal-data/nonces';
import { revealPayload } from '../domain/personal-data/reveal-payload';
import { InMemoryDataKeys } from './in-memory-data-keys';

interface Row extends PendingRow {
  readonly createdAt: Date;
}

interface StoredSnapshot extends PendingSnapshot {
  readonly aggregateType: string;
}

/** An event as {@link InMemoryEventRepository.insertStoredEvents} stores it, unchecked. */
export interface RawStoredEvent {
  readonly eventType: string;
  /** The payload as JSON holds it (stored as its JSON text). */
  readonly payload: unknown;
  /** `metadata.schemaVersion`; when undefined it is left out, as the first releases did. */
  readonly schemaVersion?: number;
  /** Insertion time; now when omitted. */
  readonly createdAt?: Date;
}

/** Options of {@link InMemoryEventRepository}. */
export interface InMemoryEventRepositoryOptions {
  /** The serializer (and payload size limit) to use; a default one otherwise. */
  readonly serializer?: EventSerializer;
}

/**
 * The PostgreSQL `EventRepository`'s semantics in memory, for unit tests of application services:
 * payloads go through the same serializer and JSON text, rehydration through the same validation,
 * snapshots are written and restored at the same versions, and two saves from the same loaded
 * version conflict exactly as they would on PostgreSQL (the second one gets `ConcurrencyError`
 * and writes nothing).
 *
 * @example
 * ```ts
 * const repository = new InMemoryEventRepository();
 * await repository.save(BankAccount.open(id, 'Ada'));
 * await repository.update(BankAccount, id, (account) => account.deposit(100));
 * ```
 */
export class InMemoryEventRepository implements AggregateRepository {
  readonly #streams = new Map<string, Row[]>();
  readonly #snapshots = new Map<string, StoredSnapshot>();
  readonly #serializer: EventSerializer;
  readonly #inFlight = new SavesInFlight();
  readonly #commandKeys = new Map<string, StoredCommandKey>();
  readonly #eventPlaces = new Map<string, StoredEventPlace>();
  /** Holder of each unique value, by scope and value. */
  readonly #uniqueValues = new Map<string, string>();
  #loseNextAcknowledgement = false;
  readonly #personalKeys = new InMemoryDataKeys();
  readonly #nonces = new Nonces();

  constructor(options: InMemoryEventRepositoryOptions = {}) {
    this.#serializer = options.serializer ?? new EventSerializer();
    this.#serializer.upcasters.assertComplete();
  }

  async save(aggregate: AggregateRoot, options?: SaveOptions): Promise<SaveResult> {
    return this.saveAll([aggregate], options);
  }

  async saveAll(aggregates: readonly AggregateRoot[], options?: SaveOptions): Promise<SaveResult> {
    const prepared = prepareAppend(aggregates, options, this.#serializer);
    if (prepared.rows.length === 0) return NOTHING_SAVED;
    this.#inFlight.claim(prepared);
    try {
      // A real store answers later: let other callers interleave here as they would.
      await Promise.resolve();
      // Personal data is encrypted as the PostgreSQL repository does (keys created on demand).
      const subjects = batchSubjects(prepared);
      const batch = sealBatch(
        prepared,
        subjects,
        this.#personalKeys.forSubjects(subjects.values()),
        this.#nonces,
      );
      for (const row of batch.rows)
        this.#serializer.assertPayloadSize(row.eventType, row.payloadJson);
      const replay = this.#storedReplay(batch);
      if (replay) {
        if (replay.sameEvents) markBatchCommitted(batch);
        return replay.result;
      }
      // Check every stream before touching any, so a conflict writes nothing.
      for (const stream of batch.streams) {
        const actual = this.#streams.get(stream.aggregate.id)?.length ?? 0;
        if (actual !== stream.expectedVersion) {
          throw new ConcurrencyError(
            stream.aggregate.id,
            stream.aggregateType,
            stream.expectedVersion,
            actual,
          );
        }
      }
      for (const u of batch.unchanged) {
        const stored = this.#streams.get(u.aggregateId);
        const actual = stored?.length ?? 0;
        if (actual !== u.version) {
          throw new ConcurrencyError(
            u.aggregateId,
            stored?.[0].aggregateType ?? '',
            u.version,
            actual,
            {
              byCondition: true,
            },
          );
        }
      }
      for (const claim of batch.claims) {
        const holder = this.#uniqueValues.get(uniqueKeyOf(claim));
        if (holder !== undefined) {
          throw new UniqueValueTakenError(claim.scope, claim.value, holder, claim.aggregateId);
        }
      }
      for (const release of batch.releases) {
        const key = uniqueKeyOf(release);
        if (this.#uniqueValues.get(key) === release.aggregateId) this.#uniqueValues.delete(key);
      }
      for (const claim of batch.claims) {
        this.#uniqueValues.set(uniqueKeyOf(claim), claim.aggregateId);
      }
      const createdAt = new Date();
      for (const stream of batch.streams) {
        let rows = this.#streams.get(stream.aggregate.id);
        if (!rows) this.#streams.set(stream.aggregate.id, (rows = []));
        for (const row of stream.rows) {
          rows.push({ ...row, createdAt });
          this.#eventPlaces.set(row.eventId, row);
        }
        if (batch.commandId !== undefined) {
          this.#commandKeys.set(commandKeyOf(stream.aggregate.id, batch.commandId), {
            aggregateId: stream.aggregate.id,
            fingerprint: stream.fingerprint!,
            firstVersion: stream.expectedVersion + 1,
            lastVersion: stream.expectedVersion + stream.rows.length,
          });
        }
        if (stream.snapshot) {
          this.#snapshots.set(stream.aggregate.id, {
            ...stream.snapshot,
            aggregateType: stream.aggregateType,
          });
        }
      }
      if (this.#loseNextAcknowledgement) {
        this.#loseNextAcknowledgement = false;
        throw new OutcomeUnknownError(
          attemptedStreams(batch),
          batch.commandId ?? batch.rows[0].eventId,
          batch.commandId === undefined,
        );
      }
      markBatchCommitted(batch);
      return { replayed: false, streams: attemptedStreams(batch) };
    } finally {
      this.#inFlight.release(prepared);
    }
  }

  /**
   * Forgets a data subject as `EventRepository.forget` does: deletes its data key; the events
   * stay, and every read gives `FORGOTTEN_VALUE` for its `@PersonalData` values.
   */
  forget(subjectId: string): Promise<boolean> {
    return Promise.resolve(this.#personalKeys.forget(subjectId));
  }

  /**
   * Makes the next save that writes store its events and then throw `OutcomeUnknownError`, as
   * a connection lost right after the commit would: for tests of how an application resolves
   * an unknown outcome.
   */
  loseNextAcknowledgement(): void {
    this.#loseNextAcknowledgement = true;
  }

  /** The batch's stored keys and events, as the PostgreSQL repository reads them back. */
  #storedReplay(batch: AppendBatch): Replay | undefined {
    const keys: StoredCommandKey[] = [];
    if (batch.commandId !== undefined) {
      for (const s of batch.streams) {
        const key = this.#commandKeys.get(commandKeyOf(s.aggregate.id, batch.commandId));
        if (key) keys.push(key);
      }
    }
    const events: StoredEventPlace[] = [];
    for (const row of batch.rows) {
      const place = this.#eventPlaces.get(row.eventId);
      if (place) events.push(place);
    }
    if (keys.length === 0 && events.length === 0) return undefined;
    return resolveReplay(batch, keys, events);
  }

  async load<T extends AggregateRoot>(
    type: AggregateClass<T>,
    id: string,
    options?: LoadOptions,
  ): Promise<T> {
    const aggregate = await this.tryLoad(type, id, options);
    if (!aggregate) throw new AggregateNotFoundError(aggregateTypeName(type), id);
    return aggregate;
  }

  /** Rehydrates from the latest snapshot of the class's snapshot version, if any, and the events after it. */
  async tryLoad<T extends AggregateRoot>(
    type: AggregateClass<T>,
    id: string,
    options?: LoadOptions,
  ): Promise<T | null> {
    aggregateTypeName(type);
    const point = pointInTime(options);
    let history = await this.readStream(id);
    if (point !== undefined) history = history.slice(0, untilOf(history, point));
    if (history.length === 0) return null;
    const snapshot = point === undefined ? this.#usableSnapshot(type, id) : undefined;
    const rehydrator = new Rehydrator(type, id, this.#serializer, snapshot);
    for (const stored of history.slice(rehydrator.version)) {
      rehydrator.apply({ ...stored, schemaVersion: stored.metadata?.schemaVersion });
    }
    return rehydrator.aggregate;
  }

  #usableSnapshot(
    type: AggregateClass,
    id: string,
  ): { readonly state: object; readonly version: number } | undefined {
    const policy = snapshotPolicyOf(type);
    const snapshot = this.#snapshots.get(id.toLowerCase());
    if (!policy || !snapshot) return undefined;
    const typeName = aggregateTypeName(type);
    if (snapshot.aggregateType !== typeName) {
      throw new AggregateTypeMismatchError(id.toLowerCase(), typeName, snapshot.aggregateType);
    }
    if (snapshot.schemaVersion !== policy.version) return undefined;
    return { state: JSON.parse(snapshot.stateJson) as object, version: snapshot.version };
  }

  async readStream(
    aggregateId: string,
    options?: ReadStreamOptions,
  ): Promise<readonly StoredEvent[]> {
    if (!isUuid(aggregateId)) throw new InvalidAggregateIdError(aggregateId);
    const range = options === undefined ? undefined : streamRange(options);
    await Promise.resolve();
    const rows = this.#streams.get(aggregateId.toLowerCase()) ?? [];
    if (range === undefined) return rows.map((row) => this.#revealed(row));
    const inRange = rows.filter(
      (r) => r.version >= range.fromVersion && r.version <= range.toVersion,
    );
    if (range.backwards) inRange.reverse();
    return inRange.slice(0, range.maxCount).map((row) => this.#revealed(row));
  }

  async readEvent(eventId: string): Promise<StoredEvent | null> {
    if (!isUuid(eventId)) throw new TypeError(`event id ${JSON.stringify(eventId)} is not a UUID`);
    await Promise.resolve();
    const place = this.#eventPlaces.get(eventId.toLowerCase());
    const row = place && this.#streams.get(place.aggregateId)?.[place.version - 1];
    return row ? this.#revealed(row) : null;
  }

  /** A stored row as the reads return it: personal values decrypted, or the placeholder. */
  #revealed(row: Row): StoredEvent {
    const stored = toStoredEvent(row);
    return { ...stored, payload: revealPayload(stored.payload, this.#personalKeys.byId) };
  }

  update<T extends AggregateRoot>(
    type: AggregateClass<T>,
    id: string,
    command: (aggregate: T) => void | Promise<void>,
    options?: UpdateOptions,
  ): Promise<T> {
    const { retry, save } = splitUpdateOptions(options ?? {});
    return updateWithRetry(type, id, command, retry, {
      load: () => this.tryLoad(type, id),
      save: (aggregate) => this.save(aggregate, save),
      reload: () => this.tryLoad(type, id),
      commandStored: () => {
        const commandId = options?.commandId;
        const stored =
          commandId !== undefined &&
          this.#commandKeys.has(commandKeyOf(id.toLowerCase(), commandId));
        return Promise.resolve(stored);
      },
    });
  }

  /**
   * Appends events as an older release (or another writer) stored them, bypassing aggregates,
   * serialization and validation, at the stream's next versions: for tests of upcasters and of
   * history that no longer loads, as a raw SQL `INSERT` would be on PostgreSQL.
   */
  insertStoredEvents(
    aggregateId: string,
    aggregateType: string,
    events: readonly RawStoredEvent[],
  ): void {
    if (!isUuid(aggregateId)) throw new InvalidAggregateIdError(aggregateId);
    const id = aggregateId.toLowerCase();
    let rows = this.#streams.get(id);
    if (!rows) this.#streams.set(id, (rows = []));
    for (const event of events) {
      const createdAt = event.createdAt ?? new Date();
      const row: Row = {
        eventId: randomUUID(),
        aggregateId: id,
        aggregateType,
        eventType: event.eventType,
        version: rows.length + 1,
        payloadJson: JSON.stringify(event.payload),
        metadataJson: JSON.stringify({
          ...(event.schemaVersion === undefined ? {} : { schemaVersion: event.schemaVersion }),
          occurredAt: createdAt.toISOString(),
        }),
        createdAt,
      };
      rows.push(row);
      this.#eventPlaces.set(row.eventId, row);
    }
  }

  /**
   * Every stored event of every aggregate, in append order per aggregate, as stored (personal
   * data encrypted). For assertions.
   */
  allEvents(): readonly StoredEvent[] {
    return [...this.#streams.values()].flat().map(toStoredEvent);
  }
}

/** How many events of a stream a point-in-time load folds (see `LoadOptions`). */
function untilOf(history: readonly StoredEvent[], point: PointInTime): number {
  let until = Math.min(point.asOfVersion ?? history.length, history.length);
  if (point.asOf !== undefined) {
    const asOf = point.asOf.getTime();
    const after = history.findIndex((e) => (e.createdAt?.getTime() ?? 0) > asOf);
    if (after !== -1) until = Math.min(until, after);
  }
  return until;
}

function uniqueKeyOf(value: HeldValue): string {
  return `${value.scope}\u0000${value.value}`;
}

function commandKeyOf(aggregateId: string, commandId: string): string {
  return `${aggregateId}\u0000${commandId}`;
}

/** Parses the stored JSON text afresh on every read, as a JSONB column would hand it back. */
function toStoredEvent(row: Row): StoredEvent {
  return {
    eventId: row.eventId,
    aggregateId: row.aggregateId,
    aggregateType: row.aggregateType,
    eventType: row.eventType,
    version: row.version,
    payload: JSON.parse(row.payloadJson) as unknown,
    metadata: JSON.parse(row.metadataJson) as StoredEvent['metadata'],
    createdAt: row.createdAt,
  };
}
