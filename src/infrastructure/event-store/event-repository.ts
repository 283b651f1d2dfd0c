import type { DataSource, EntityManager } from 'typeorm';
import type { AggregateClass, AggregateRoot } from '../../domain/model/aggregate-root';
import type {
  AggregateRepository,
  SaveOptions,
  UpdateOptions,
} from '../../domain/repository/aggregate-repository';
import {
  attemptedStreams,
  markBatchCommitted,
  prepareAppend,
  type AppendBatch,
  type HeldValue,
} from '../../domain/repository/append-batch';
import { AggregateNotFoundError } from '../../domain/errors/aggregate-not-found-error';
import { InvalidAggregateIdError } from '../../domain/errors/invalid-aggregate-id-error';
import { InvalidMetadataError } from '../../domain/errors/invalid-metadata-error';
import type { StoredEvent } from '../../domain/model/event-envelope';
import { EventSerializer } from '../../domain/codec/event-serializer';
import { aggregateTypeName } from '../../domain/model/aggregate.decorator';
import { SavesInFlight } from '../../domain/repository/saves-in-flight';
import { OutcomeUnknownError } from '../../domain/errors/outcome-unknown-error';
import {
  resolveReplay,
  type Replay,
  type StoredCommandKey,
  type StoredEventPlace,
} from '../../domain/repository/resolve-replay';
import { NOTHING_SAVED, type SaveResult } from '../../domain/repository/save-result';
import { isStoredSaveViolation, isTakenValueViolation } from '../append/stored-save-violation';
import { isForgottenKeyViolation } from '../append/forgotten-key-violation';
import { UniqueValueTakenError } from '../../domain/errors/unique-value-taken-error';
import type { BoundStatement } from '../sql/named-sql';
import { splitUpdateOptions, updateWithRetry } from '../../domain/repository/update-with-retry';
import { isUuid } from '../../domain/model/uuid';
import { AppendStatements } from '../append/append-statement';
import { toConcurrencyError } from '../append/to-concurrency-error';
import { versionConflictAggregateId } from '../append/version-conflict';
import { toStoredEvent, type EventRow, type EventRowWithId } from '../load/event-row';
import { streamRange, type ReadStreamOptions } from '../../domain/repository/read-stream-options';
import { loadAggregate, type LoadContext } from '../load/load-aggregate';
import { loadAggregateAsOf } from '../load/load-aggregate-as-of';
import { pointInTime, type LoadOptions } from '../../domain/repository/load-options';
import { LoadStatements } from '../load/load-statements';
import { UpdateHistory } from '../load/update-history';
import { isConnectionError, PgSession, type BoundQuery, type EachRow } from '../session/pg-session';
import {
  COMMAND_KEYS_TABLE,
  EVENTS_ARCHIVE_TABLE,
  EVENTS_TABLE,
  SNAPSHOTS_TABLE,
  UNIQUE_VALUES_TABLE,
} from '../../migrations/schema-names';
import { qualifiedTableName } from '../sql/sql-identifier';
import { PERSONAL_DATA_KEYS_TABLE } from '../../migrations/schema-names';
import { batchSubjects, sealBatch } from '../../domain/repository/seal-batch';
import { Nonces } from '../../domain/personal-data/nonces';
import { PersonalDataNotConfiguredError } from '../../domain/errors/personal-data-not-configured-error';
import { PersonalDataKeys, type RunStatement } from '../personal-data/personal-data-keys';
import type { PersonalDataOptions } from '../personal-data/personal-data-options';
import { PayloadRevealer } from '../personal-data/payload-revealer';

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
  /** Name of the command keys table. Default `command_keys`. */
  readonly commandKeyTable?: string;
  /** Name of the unique values table. Default `unique_values`. */
  readonly uniqueValueTable?: string;
  /** Name of the archive table (see `tessera archive`). Default `events_archive`. */
  readonly archiveTable?: string;
  /**
   * What a load does with a stream whose older events the archiver moved to the archive table:
   * `load` (default) reads them from there, `fail` throws `StreamArchivedError`. Streams never
   * archived cost nothing either way.
   */
  readonly archivedStreams?: 'load' | 'fail';
  /**
   * Events read per round trip while folding a stream. The first ten pages are read whole; after
   * them each event is folded as its row arrives and none is kept, so memory stays flat however
   * long the stream. A streamed page's statement stays open while its events are folded, so
   * with slow handlers and large rows it counts their time against `statement_timeout`: a
   * smaller page bounds that. Default 1000.
   */
  readonly pageSize?: number;
  /**
   * Prepare statements once per connection under stable names. Default true: safe behind any
   * pooler, since a data source behind a transaction-mode pooler runs them unnamed, and a
   * statement that meets a pooled session without it (or with it) is sent again unnamed and
   * turns preparing off for this repository (docs/operations.md). False never prepares.
   */
  readonly preparedStatements?: boolean;
  /**
   * Protects `@PersonalData` values: they are encrypted with their subject's key on save and
   * decrypted on load, and {@link EventRepository.forget} erases a subject. Without it, saving
   * an event that holds personal data throws `PersonalDataNotConfiguredError`.
   */
  readonly personalData?: PersonalDataOptions;
  /** Name of the data subjects' keys table. Default `personal_data_keys`. */
  readonly personalDataKeyTable?: string;
  /**
   * A DataSource on a streaming replica for the reads that may be stale (`readStream`). `load`,
   * `update` and everything a write depends on read the primary. For read-your-writes see
   * `writePosition` and `waitForReplay` (docs/operations.md).
   */
  readonly readReplica?: DataSource;
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
  /** Where stale-tolerant reads go: the replica's session, or the primary's. */
  readonly #reads: PgSession;
  readonly #serializer: EventSerializer;
  readonly #appends: AppendStatements;
  readonly #loads: LoadStatements;
  readonly #pageSize: number;
  readonly #archivedStreams: 'load' | 'fail';
  readonly #inFlight = new SavesInFlight();
  readonly #personalKeys: PersonalDataKeys;
  /** The nonces of the values this repository seals. */
  readonly #nonces = new Nonces();

  constructor(dataSource: DataSource, options: EventRepositoryOptions = {}) {
    const pageSize = options.pageSize ?? 1000;
    if (!Number.isInteger(pageSize) || pageSize < 1) {
      throw new TypeError(`pageSize must be a positive integer, got ${pageSize}`);
    }
    this.#pageSize = pageSize;
    this.#session = new PgSession(dataSource, options.preparedStatements ?? true);
    this.#reads = options.readReplica
      ? new PgSession(options.readReplica, options.preparedStatements ?? true)
      : this.#session;
    this.#serializer = options.serializer ?? new EventSerializer();
    // A broken upcaster chain fails here, at startup, not on the first load of an old stream.
    this.#serializer.upcasters.assertComplete();
    const events = qualifiedTableName(options.table ?? EVENTS_TABLE, options.schema);
    const snapshots = qualifiedTableName(options.snapshotTable ?? SNAPSHOTS_TABLE, options.schema);
    const commandKeys = qualifiedTableName(
      options.commandKeyTable ?? COMMAND_KEYS_TABLE,
      options.schema,
    );
    const uniqueValues = qualifiedTableName(
      options.uniqueValueTable ?? UNIQUE_VALUES_TABLE,
      options.schema,
    );
    const personalDataKeys = qualifiedTableName(
      options.personalDataKeyTable ?? PERSONAL_DATA_KEYS_TABLE,
      options.schema,
    );
    this.#appends = new AppendStatements(
      events,
      snapshots,
      commandKeys,
      uniqueValues,
      personalDataKeys,
    );
    const archive = qualifiedTableName(
      options.archiveTable ?? EVENTS_ARCHIVE_TABLE,
      options.schema,
    );
    this.#loads = new LoadStatements(events, snapshots, archive);
    this.#personalKeys = new PersonalDataKeys(
      personalDataKeys,
      options.personalData?.masterKey,
      options.personalData?.cacheSize ?? 10_000,
      options.personalData?.valueCacheSize,
    );
    const archivedStreams = options.archivedStreams ?? 'load';
    if (archivedStreams !== 'load' && archivedStreams !== 'fail') {
      throw new TypeError(
        `archivedStreams must be 'load' or 'fail', got ${String(archivedStreams)}`,
      );
    }
    this.#archivedStreams = archivedStreams;
  }

  /** {@inheritDoc AggregateRepository.save} */
  save(aggregate: AggregateRoot, options?: EventSaveOptions): Promise<SaveResult> {
    return this.saveAll([aggregate], options);
  }

  /** {@inheritDoc AggregateRepository.saveAll} */
  async saveAll(
    aggregates: readonly AggregateRoot[],
    options: EventSaveOptions = {},
  ): Promise<SaveResult> {
    if (options === null || typeof options !== 'object') {
      throw new InvalidMetadataError('options', 'must be an object');
    }
    const { manager, ...metadata } = options;
    const batch = prepareAppend(aggregates, metadata, this.#serializer);
    if (batch.rows.length === 0) return NOTHING_SAVED;
    this.#inFlight.claim(batch);
    try {
      let sealed = await this.#sealed(batch, manager, true);
      let replay: Replay | undefined;
      try {
        replay = await this.#append(sealed, manager);
      } catch (error) {
        if (sealed.requiredKeys === undefined || !isForgottenKeyViolation(error)) throw error;
        // A cached key was destroyed by a forget in another process since it was read: nothing
        // was written; sealed again with the keys read now (a new key, as after any forget).
        for (const keyId of sealed.requiredKeys) this.#personalKeys.drop(keyId);
        sealed = await this.#sealed(batch, manager, false);
        replay = await this.#append(sealed, manager);
      }
      if (!replay || replay.sameEvents) markBatchCommitted(sealed);
      return replay?.result ?? { replayed: false, streams: attemptedStreams(sealed) };
    } finally {
      this.#inFlight.release(batch);
    }
  }

  /** {@inheritDoc AggregateRepository.load} */
  async load<T extends AggregateRoot>(
    type: AggregateClass<T>,
    id: string,
    options?: LoadOptions,
  ): Promise<T> {
    const aggregate = await this.tryLoad(type, id, options);
    if (!aggregate) throw new AggregateNotFoundError(aggregateTypeName(type), id);
    return aggregate;
  }

  /**
   * {@inheritDoc AggregateRepository.tryLoad}
   *
   * With a snapshot policy on the class, starts from the latest usable snapshot; either way the
   * events are read in pages of `pageSize` and folded as they arrive. At a point in time
   * (`asOfVersion`, `asOf`) the events are folded from the first, without a snapshot.
   */
  tryLoad<T extends AggregateRoot>(
    type: AggregateClass<T>,
    id: string,
    options?: LoadOptions,
  ): Promise<T | null> {
    const aggregateId = normalizedId(id);
    const point = pointInTime(options);
    if (point === undefined) return this.#load(type, aggregateId, undefined);
    aggregateTypeName(type);
    return this.#session.session(undefined, (query: BoundQuery, each: EachRow) =>
      loadAggregateAsOf(this.#context(query, each), type, aggregateId, point),
    );
  }

  /** {@inheritDoc AggregateRepository.readStream} */
  async readStream(
    aggregateId: string,
    options?: ReadStreamOptions,
  ): Promise<readonly StoredEvent[]> {
    const id = normalizedId(aggregateId);
    const { sql, params } =
      options === undefined ? this.#loads.stream(id) : this.#loads.range(id, streamRange(options));
    const rows = await this.#reads.query<EventRow>(sql, params);
    // The keys are read where the events were: a replica's copy of them, or the primary's.
    const revealed = await this.#revealed(rows, (st) => this.#reads.query(st.sql, st.params));
    return revealed.map((row) => toStoredEvent(id, row));
  }

  /** {@inheritDoc AggregateRepository.readEvent} */
  async readEvent(eventId: string): Promise<StoredEvent | null> {
    if (!isUuid(eventId)) throw new TypeError(`event id ${JSON.stringify(eventId)} is not a UUID`);
    const { sql, params } = this.#loads.event(eventId.toLowerCase());
    const rows = await this.#session.query<EventRowWithId>(sql, params);
    const [row] = await this.#revealed(rows, (st) => this.#run(st, undefined));
    return row ? toStoredEvent(row.aggregate_id, row) : null;
  }

  /**
   * Forgets a data subject: deletes its data key, in one statement. The events stay as they
   * are; from then on every read gives `FORGOTTEN_VALUE` for the subject's `@PersonalData`
   * values. A save that reads the subject's key after this creates
   * a new one (see docs/personal-data.md for the rule with concurrent saves). Resolves with true
   * when there was a key to delete.
   */
  async forget(
    subjectId: string,
    options: Pick<EventSaveOptions, 'manager'> = {},
  ): Promise<boolean> {
    if (typeof subjectId !== 'string' || subjectId.length === 0 || subjectId.length > 255) {
      throw new TypeError('subjectId must be a string of 1-255 characters');
    }
    return this.#personalKeys.forget(subjectId, (st) => this.#run(st, options.manager));
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
    const aggregateId = normalizedId(id);
    const { retry, save } = splitUpdateOptions(options);
    const history = new UpdateHistory();
    return updateWithRetry(type, aggregateId, command, retry, {
      load: () => this.#load(type, aggregateId, options.manager, history),
      save: (aggregate) => this.save(aggregate, save),
      reload: () => this.#load(type, aggregateId, options.manager),
      commandStored: async () => {
        if (options.commandId === undefined) return false;
        const keys = await this.#run(
          this.#appends.storedKeys(options.commandId, [aggregateId]),
          options.manager,
        );
        return keys.length > 0;
      },
    });
  }

  /**
   * The batch with its personal data encrypted under its subjects' keys: read or created here,
   * just before the append, on the same connection or transaction; or, with `cached`, taken from
   * this process's cache when every subject's key is there, and then required by the append
   * (see `AppendBatch.requiredKeys`). Not in a caller's transaction: a refused append aborts it,
   * so the save could not be redone.
   */
  async #sealed(
    batch: AppendBatch,
    manager: EntityManager | undefined,
    cached: boolean,
  ): Promise<AppendBatch> {
    const subjects = batchSubjects(batch);
    if (subjects.size === 0 && !batch.streams.some((s) => s.snapshot)) return batch;
    if (subjects.size > 0 && !this.#personalKeys.configured) {
      const row = batch.rows.find((r) => subjects.has(r.eventId))!;
      throw new PersonalDataNotConfiguredError(row.eventType);
    }
    const run: RunStatement = (st) => this.#run(st, manager);
    const distinct = [...new Set(subjects.values())];
    const fromCache =
      cached && manager === undefined && distinct.length > 0
        ? this.#personalKeys.cachedForSubjects(distinct)
        : undefined;
    const keys =
      fromCache ??
      (distinct.length === 0 ? new Map() : await this.#personalKeys.forSubjects(distinct, run));
    const sealedOnly = sealBatch(batch, subjects, keys, this.#nonces);
    const sealed = fromCache
      ? { ...sealedOnly, requiredKeys: [...new Set([...fromCache.values()].map((k) => k.keyId))] }
      : sealedOnly;
    // Ciphertext is longer than the values it replaces: the limit applies to what is stored.
    for (const row of sealed.rows)
      this.#serializer.assertPayloadSize(row.eventType, row.payloadJson);
    return sealed;
  }

  /** Appends the batch; resolves with the replay when it turns out to be stored already. */
  async #append(
    batch: AppendBatch,
    manager: EntityManager | undefined,
  ): Promise<Replay | undefined> {
    const { sql, params } = this.#appends.build(batch);
    try {
      await this.#session.execute(sql, params, manager);
      return undefined;
    } catch (error) {
      // Inside a caller's transaction a broken connection rolls it back: the outcome is known
      // (nothing), and the caller's own commit is the step whose acknowledgement can be lost.
      if (!manager && isConnectionError(error)) {
        const implicit = batch.commandId === undefined;
        throw new OutcomeUnknownError(
          attemptedStreams(batch),
          batch.commandId ?? batch.rows[0].eventId,
          implicit,
          { cause: error },
        );
      }
      const conflictId = versionConflictAggregateId(error);
      const taken = isTakenValueViolation(error);
      const stored = isStoredSaveViolation(error);
      if (conflictId === undefined && !stored && !taken) throw error;
      const replay = await this.#storedReplay(batch, manager);
      if (replay) return replay;
      if (taken) throw await this.#takenValueError(batch, error, manager);
      if (conflictId === undefined) throw error;
      throw await toConcurrencyError(batch, conflictId, error, {
        currentVersion: (aggregateId) =>
          this.#run(this.#appends.currentVersion(aggregateId), manager),
        unchangedHead: (aggregateId) =>
          this.#run(this.#appends.unchangedHead(aggregateId), manager),
      });
    }
  }

  /** Reads back the batch's command keys and event ids: a replay if the save is stored. */
  async #storedReplay(
    batch: AppendBatch,
    manager: EntityManager | undefined,
  ): Promise<Replay | undefined> {
    const keys =
      batch.commandId === undefined
        ? []
        : await this.#run<StoredCommandKey>(
            this.#appends.storedKeys(
              batch.commandId,
              batch.streams.map((s) => s.aggregate.id),
            ),
            manager,
          );
    const events = await this.#run<StoredEventPlace>(
      this.#appends.storedEvents(batch.rows.map((r) => r.eventId)),
      manager,
    );
    return resolveReplay(batch, keys, events);
  }

  /** The error of a refused claim, naming a claimed value another aggregate holds. */
  async #takenValueError(
    batch: AppendBatch,
    cause: unknown,
    manager: EntityManager | undefined,
  ): Promise<unknown> {
    const holders = await this.#run<HeldValue>(this.#appends.holders(batch.claims), manager);
    for (const claim of batch.claims) {
      const holder = holders.find((h) => h.scope === claim.scope && h.value === claim.value);
      if (holder) {
        return new UniqueValueTakenError(
          claim.scope,
          claim.value,
          holder.aggregateId,
          claim.aggregateId,
          { cause },
        );
      }
    }
    return cause;
  }

  #run<R>(statement: BoundStatement, manager: EntityManager | undefined): Promise<R[]> {
    return this.#session.query<R>(statement.sql, statement.params, manager);
  }

  /** Rehydrates on one connection, the caller's transaction when a manager is given. */
  #load<T extends AggregateRoot>(
    type: AggregateClass<T>,
    id: string,
    manager: EntityManager | undefined,
    history?: UpdateHistory,
  ): Promise<T | null> {
    aggregateTypeName(type);
    return this.#session.session(manager, (query: BoundQuery, each: EachRow) =>
      loadAggregate(this.#context(query, each), type, id, history),
    );
  }

  #context(query: BoundQuery, each: EachRow): LoadContext {
    return {
      reader: { query, each },
      statements: this.#loads,
      serializer: this.#serializer,
      pageSize: this.#pageSize,
      archivedStreams: this.#archivedStreams,
      revealer: this.#personalKeys.configured
        ? new PayloadRevealer(this.#personalKeys, (st) => query(st.sql, st.params))
        : undefined,
    };
  }

  /** The rows with their personal values decrypted (or the placeholder), with the option. */
  async #revealed<R extends { readonly payload: unknown }>(
    rows: readonly R[],
    run: RunStatement,
  ): Promise<readonly R[]> {
    if (!this.#personalKeys.configured) return rows;
    const revealer = new PayloadRevealer(this.#personalKeys, run);
    await revealer.prepare(rows.map((row) => row.payload));
    return rows.map((row) => ({ ...row, payload: revealer.reveal(row.payload) }));
  }
}

function normalizedId(id: string): string {
  if (!isUuid(id)) throw new InvalidAggregateIdError(id);
  return id.toLowerCase();
}
