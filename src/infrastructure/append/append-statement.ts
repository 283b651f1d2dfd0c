import type { AppendBatch, HeldValue, PendingStream } from '../../domain/repository/append-batch';
import { namedSql, Placeholders, type BoundStatement, type NamedSql } from '../sql/named-sql';

const EVENT_COLUMNS = 'id, aggregate_id, aggregate_type, event_type, version, payload, metadata';
/** With the command key, set on each stream's first row of a keyed save. */
const KEYED_EVENT_COLUMNS = `${EVENT_COLUMNS}, command_id, command_fingerprint, command_last_version`;

/**
 * Up to this many rows an append is one VALUES list, like a hand-written multi-row INSERT; beyond,
 * each column travels as one array parameter (constant text, no 65,535-parameter limit).
 */
export const MAX_VALUES_ROWS = 64;

/**
 * How many layouts of an append (events per stream, with or without snapshots) are prepared under
 * a name per connection, counted as rows + 4 each: a prepared append holds server memory for its
 * generic plan, growing with its rows (docs/performance.md has the measurements). Layouts are
 * named in the order they are first seen until this budget is spent; a new layout that no longer
 * fits runs unnamed, parsed and planned on each use.
 */
export const NAMED_LAYOUT_BUDGET = 4096;

/**
 * Builds the one statement that appends a batch of streams (and writes their snapshots), its
 * text and its parameters in the same walk over the batch. Table names are validated and quoted
 * by the caller; every value is a parameter.
 */
export class AppendStatements {
  readonly #named = new Map<string, NamedSql>();
  /** The statement of each layout already written, by {@link layoutKey}. */
  readonly #layouts = new Map<string, NamedSql>();
  #spent = 0;

  constructor(
    private readonly events: string,
    private readonly snapshots: string,
    private readonly commandKeys: string,
    private readonly uniqueValues: string,
    /** The keys table, for appends whose payloads were sealed with cached keys. */
    private readonly personalDataKeys?: string,
  ) {}

  /**
   * The append of `batch`. Up to {@link MAX_VALUES_ROWS} events it is a VALUES list: per stream
   * its aggregate id, aggregate type and expected version once, then per event its id, type,
   * version, payload and metadata. Beyond, one array per column.
   */
  build(batch: AppendBatch): BoundStatement {
    // An application appends a handful of layouts over and over: their text is written once,
    // later appends of a layout only collect their parameters, through the same walk.
    const key = layoutKey(batch);
    const known = this.#layouts.get(key);
    if (known) return { sql: known, params: this.#write(batch, new Placeholders(true)).params };
    const { text, params } = this.#write(batch, new Placeholders());
    const sql = this.#name(text, batch.rows.length <= MAX_VALUES_ROWS ? batch.rows.length : 8);
    // Bounded like the names: a layout past the budget is written again on each use.
    if (sql.name !== undefined) this.#layouts.set(key, sql);
    return { sql, params };
  }

  #write(batch: AppendBatch, p: Placeholders): { text: string; params: unknown[] } {
    const values = batch.rows.length <= MAX_VALUES_ROWS;
    const events = values ? this.#valuesInsert(batch, p) : this.#arraysInsert(batch, p);
    const writes = [events];
    if (batch.releases.length > 0) writes.push(this.#release(batch.releases, p));
    if (batch.claims.length > 0) writes.push(this.#claim(batch.claims, p));
    const snapshots = batch.streams.filter((s) => s.snapshot !== undefined);
    if (snapshots.length > 0) writes.push(this.#snapshotUpsert(snapshots, p));
    // Every write of the save in one statement, so one transaction and one round trip: if the
    // events hit a version conflict, or the key is already stored, nothing is written.
    const last = writes.pop()!;
    const text =
      writes.length === 0
        ? last
        : `WITH ${writes.map((w, i) => `w${i} AS (${w} RETURNING 1)`).join(', ')} ${last}`;
    return { text, params: p.values };
  }

  /**
   * The stored keys of `commandId` for these aggregates, read after a refused save: on event
   * rows (in the command-key index past a stream's first event, on that event's row through
   * the stream index), and in the command keys table (keys written before they moved onto
   * events, or whose events were archived).
   */
  storedKeys(commandId: string, aggregateIds: readonly string[]): BoundStatement {
    const p = new Placeholders();
    const key = `${p.add(commandId)}::varchar`;
    const ids = `${p.add(aggregateIds)}::uuid[]`;
    const onEvents = (versions: string): string =>
      'SELECT aggregate_id::text AS "aggregateId", command_fingerprint AS fingerprint, ' +
      `version AS "firstVersion", command_last_version AS "lastVersion" FROM ${this.events} ` +
      `WHERE command_id = ${key} AND aggregate_id = ANY(${ids}) AND ${versions}`;
    const text =
      `${onEvents('version > 1')} UNION ALL ${onEvents('version = 1')} UNION ALL ` +
      'SELECT aggregate_id::text, fingerprint, first_version, last_version ' +
      `FROM ${this.commandKeys} WHERE command_id = ${key} AND aggregate_id = ANY(${ids})`;
    return { sql: { text }, params: p.values };
  }

  /** Who holds these unique values, read after a save claiming them was refused. */
  holders(values: readonly HeldValue[]): BoundStatement {
    const p = new Placeholders();
    const text =
      `SELECT scope, value, aggregate_id::text AS "aggregateId" FROM ${this.uniqueValues} ` +
      `WHERE (scope, value) IN (SELECT * FROM unnest(${p.add(values.map((v) => v.scope))}::varchar[], ` +
      `${p.add(values.map((v) => v.value))}::varchar[]))`;
    return { sql: { text }, params: p.values };
  }

  /** Where these event ids are stored, if they are: the implicit key of a save. */
  storedEvents(eventIds: readonly string[]): BoundStatement {
    const p = new Placeholders();
    const text =
      'SELECT id::text AS "eventId", aggregate_id::text AS "aggregateId", version ' +
      `FROM ${this.events} WHERE id = ANY(${p.add(eventIds)}::uuid[])`;
    return { sql: { text }, params: p.values };
  }

  /** The stream's current version, read after a conflict to report what the save lost to. */
  currentVersion(aggregateId: string): BoundStatement {
    const p = new Placeholders();
    const text =
      `SELECT COALESCE(MAX(version), 0)::int AS version FROM ${this.events} ` +
      `WHERE aggregate_id = ${p.add(aggregateId)}`;
    return { sql: this.#name(text, 0), params: p.values };
  }

  #name(text: string, rows: number): NamedSql {
    const known = this.#named.get(text);
    if (known) return known;
    const cost = rows + 4;
    if (this.#spent + cost > NAMED_LAYOUT_BUDGET) return { text };
    this.#spent += cost;
    const sql = namedSql(text);
    this.#named.set(text, sql);
    return sql;
  }

  #valuesInsert(batch: AppendBatch, p: Placeholders): string {
    const tuples: string[] = [];
    const guards: string[] = [];
    const ids: string[] = [];
    const guarded = !allNew(batch);
    const keyed = batch.commandId !== undefined;
    const key = keyed ? `${p.add(batch.commandId)}::varchar` : '';
    let firstType = '';
    const firstRowGuards =
      (guarded ? ' + (guard)' : '') + (batch.unchanged.length > 0 ? ' + (unchanged)' : '');
    for (const stream of batch.streams) {
      const id = p.add(stream.aggregate.id);
      const type = p.add(stream.aggregateType);
      if (keyed) ids.push(`${id}::uuid`);
      if (guarded) guards.push(`(${id}::uuid, ${p.add(stream.expectedVersion)}::int)`);
      for (let i = 0; i < stream.rows.length; i++) {
        const row = stream.rows[i];
        const first = tuples.length === 0;
        // The key check, on the first row's aggregate type: see #storedKeyCheck.
        const typed = first && keyed && guarded ? '(stored key)' : type;
        const head =
          `(${p.add(row.eventId)}::uuid, ${id}::uuid, ${typed}, ${p.add(row.eventType)}, ` +
          `${p.add(row.version)}::int${first ? firstRowGuards : ''}`;
        const payload = `${p.add(row.payloadJson)}::jsonb`;
        const metadata = `${p.add(row.metadataJson)}::jsonb`;
        const command = !keyed
          ? ''
          : i > 0
            ? ', NULL, NULL, NULL'
            : `, ${key}, ${p.add(stream.fingerprint)}::varchar, ` +
              `${p.add(stream.expectedVersion + stream.rows.length)}::int`;
        tuples.push(
          `${head}, ${first ? this.#keysGuard(batch, payload, p) : payload}, ${metadata}${command})`,
        );
        if (first) firstType = type;
      }
    }
    if (keyed && guarded) {
      const check = this.#storedKeyCheck(key, `${firstType}::varchar`, `IN (${ids.join(', ')})`);
      tuples[0] = tuples[0].replace('(stored key)', () => check);
    }
    // The gap guard: a save whose aggregate claims versions the stream does not have (a stale
    // instance from another store, a stream cut by archival) gets a NULL first version, a NOT NULL
    // violation, so the statement fails whole instead of writing a gap. The guards of all streams
    // are one uncorrelated subquery over a VALUES list of the streams, added to the first row's
    // version: written per stream as a CASE on the expected-version parameter, PostgreSQL folded
    // `0 = 0` away in value-specific plans, which then always looked cheaper than the generic
    // plan, so every execution of a prepared append was planned again. A save of new streams only
    // needs none: the unique (aggregate_id, version) index refuses a version 1 already written.
    if (batch.unchanged.length > 0) {
      tuples[0] = tuples[0].replace('(unchanged)', () => this.#unchangedGuard(batch, p));
    }
    const insert = `INSERT INTO ${this.events} (${keyed ? KEYED_EVENT_COLUMNS : EVENT_COLUMNS}) VALUES `;
    if (!guarded) return `${insert}${tuples.join(', ')}`;
    const guard =
      '(SELECT CASE WHEN bool_and(g.expected = 0 OR EXISTS (SELECT 1 FROM ' +
      `${this.events} e WHERE e.aggregate_id = g.id AND e.version = g.expected)) THEN 0 END FROM (VALUES ` +
      `${guards.join(', ')}) AS g(id, expected))`;
    // A replacer function: a string replacement would read a `$$` in a table name as `$`.
    tuples[0] = tuples[0].replace('(guard)', () => guard);
    return `${insert}${tuples.join(', ')}`;
  }

  #arraysInsert(batch: AppendBatch, p: Placeholders): string {
    const rows = batch.rows;
    const keyed = batch.commandId !== undefined;
    const key = keyed ? `${p.add(batch.commandId)}::varchar` : '';
    const id = p.add(rows.map((r) => r.eventId));
    const aggregateId = p.add(rows.map((r) => r.aggregateId));
    const aggregateType = p.add(rows.map((r) => r.aggregateType));
    const eventType = p.add(rows.map((r) => r.eventType));
    const version = p.add(rows.map((r) => r.version));
    const payload = p.add(rows.map((r) => r.payloadJson));
    const metadata = p.add(rows.map((r) => r.metadataJson));
    // Every row carries its stream's guard: the expected version on the stream's first row, 0
    // (no check) on the others.
    const guard = p.add(
      batch.streams.flatMap((s) => s.rows.map((_, i) => (i === 0 ? s.expectedVersion : 0))),
    );
    // Uncorrelated, so PostgreSQL evaluates it once for the statement, not per row.
    const unchanged = batch.unchanged.length > 0 ? ` + ${this.#unchangedGuard(batch, p)}` : '';
    const payloads = this.#keysGuard(batch, 'u.payload', p);
    const type =
      keyed && !allNew(batch)
        ? this.#storedKeyCheck(key, 'u.aggregate_type', `= ANY(${aggregateId}::uuid[])`)
        : 'u.aggregate_type';
    // The key's fingerprint and last version on each stream's first row of the save, else NULL.
    const keyRows = (pick: (s: PendingStream) => unknown): unknown[] =>
      batch.streams.flatMap((s) => s.rows.map((_, i) => (i === 0 ? pick(s) : null)));
    const command = keyed
      ? `, CASE WHEN u.command_last_version IS NOT NULL THEN ${key} END, ` +
        'u.command_fingerprint, u.command_last_version'
      : '';
    const commandArrays = keyed
      ? `, ${p.add(keyRows((s) => s.fingerprint))}::varchar[], ` +
        `${p.add(keyRows((s) => s.expectedVersion + s.rows.length))}::int[]`
      : '';
    const commandAliases = keyed ? ', command_fingerprint, command_last_version' : '';
    return (
      `INSERT INTO ${this.events} (${keyed ? KEYED_EVENT_COLUMNS : EVENT_COLUMNS}) SELECT u.id, ` +
      `u.aggregate_id, ${type}, u.event_type, CASE WHEN u.guard::int = 0 OR EXISTS (SELECT 1 FROM ` +
      `${this.events} WHERE aggregate_id = u.aggregate_id::uuid AND version = u.guard::int) THEN ` +
      `u.version::int END${unchanged}, ${payloads}, u.metadata${command} FROM unnest(${id}::uuid[], ` +
      `${aggregateId}::uuid[], ${aggregateType}::varchar[], ${eventType}::varchar[], ${version}::int[], ` +
      `${payload}::jsonb[], ${metadata}::jsonb[], ${guard}::int[]${commandArrays}) ` +
      'AS u(id, aggregate_id, aggregate_type, event_type, version, payload, metadata, guard' +
      `${commandAliases})`
    );
  }

  /**
   * `type` unless the save's command id is stored for these aggregates (`ids`: `IN (...)` or
   * `= ANY(...)`) where the events' command-key index does not see it, then NULL: the NOT NULL
   * violation on `aggregate_type` fails the statement and the save is answered from the stored
   * key. Those places are a stream's first event (a key written with the stream is left out of
   * the index, which `UNIQUE (aggregate_id, version)` makes unnecessary there) and the command
   * keys table (keys written before they moved onto events, or archived). A stream with no
   * events has neither, so a save of new streams only skips this. Uncorrelated, evaluated once.
   */
  #storedKeyCheck(key: string, type: string, ids: string): string {
    return (
      `CASE WHEN NOT EXISTS (SELECT 1 FROM ${this.events} f WHERE f.aggregate_id ${ids} AND ` +
      `f.version = 1 AND f.command_id = ${key}) AND NOT EXISTS (SELECT 1 FROM ${this.commandKeys} k ` +
      `WHERE k.command_id = ${key} AND k.aggregate_id ${ids}) THEN ${type} END`
    );
  }

  /**
   * The `unchanged` condition: 0 when every named aggregate is exactly at its version (that
   * version exists, or is 0, and the next does not), else NULL, which fails the statement with
   * the same NOT NULL violation as the gap guard. Arrays, so its text is the same for any
   * number of aggregates.
   */
  #unchangedGuard(batch: AppendBatch, p: Placeholders): string {
    const ids = p.add(batch.unchanged.map((u) => u.aggregateId));
    const versions = p.add(batch.unchanged.map((u) => u.version));
    return (
      '(SELECT CASE WHEN bool_and((c.version = 0 OR EXISTS (SELECT 1 FROM ' +
      `${this.events} e WHERE e.aggregate_id = c.id AND e.version = c.version)) AND NOT EXISTS ` +
      `(SELECT 1 FROM ${this.events} e WHERE e.aggregate_id = c.id AND e.version = c.version + 1)) ` +
      `THEN 0 END FROM unnest(${ids}::uuid[], ${versions}::int[]) AS c(id, version))`
    );
  }

  /**
   * `payload` unchanged when every key of `batch.requiredKeys` is still in the keys table, else
   * NULL, which fails the statement with a NOT NULL violation on `payload` (not `version`, so it
   * is not taken for a conflict): a save sealed with a cached key `forget` destroyed since
   * writes nothing and is redone with a fresh key read. Uncorrelated, so evaluated once. The
   * common save, of one subject, asks for its key by a scalar: the scan of a small keys table
   * then stops at the row, and no array is compared per row nor counted.
   */
  #keysGuard(batch: AppendBatch, payload: string, p: Placeholders): string {
    const required = batch.requiredKeys ?? [];
    if (required.length === 0) return payload;
    if (this.personalDataKeys === undefined) {
      throw new Error('an append with required keys needs the keys table');
    }
    if (required.length === 1) {
      return (
        `CASE WHEN EXISTS (SELECT 1 FROM ${this.personalDataKeys} WHERE key_id = ` +
        `${p.add(required[0])}::uuid) THEN ${payload} END`
      );
    }
    const ids = p.add(required);
    return (
      `CASE WHEN (SELECT count(*) FROM ${this.personalDataKeys} WHERE key_id = ANY(${ids}::uuid[])) ` +
      `= cardinality(${ids}::uuid[]) THEN ${payload} END`
    );
  }

  /** The head of a stream the save required unchanged, read after the condition failed. */
  unchangedHead(aggregateId: string): BoundStatement {
    const p = new Placeholders();
    const text =
      'SELECT version, aggregate_type AS "aggregateType" FROM ' +
      `${this.events} WHERE aggregate_id = ${p.add(aggregateId)} ORDER BY version DESC LIMIT 1`;
    return { sql: { text }, params: p.values };
  }

  /** Claims: a plain insert, so a value already held fails the whole statement. */
  #claim(values: readonly HeldValue[], p: Placeholders): string {
    return (
      `INSERT INTO ${this.uniqueValues} (scope, value, aggregate_id) SELECT * FROM ` +
      `unnest(${p.add(values.map((v) => v.scope))}::varchar[], ${p.add(values.map((v) => v.value))}::varchar[], ` +
      `${p.add(values.map((v) => v.aggregateId))}::uuid[])`
    );
  }

  /** Releases: only values the releasing aggregate holds. */
  #release(values: readonly HeldValue[], p: Placeholders): string {
    return (
      `DELETE FROM ${this.uniqueValues} WHERE (scope, value, aggregate_id) IN (SELECT * FROM ` +
      `unnest(${p.add(values.map((v) => v.scope))}::varchar[], ${p.add(values.map((v) => v.value))}::varchar[], ` +
      `${p.add(values.map((v) => v.aggregateId))}::uuid[]))`
    );
  }

  /**
   * The due snapshots, written in the events' statement: if the events hit a version conflict
   * no snapshot is written. The upsert concerns snapshots only (a cache); event inserts never
   * use ON CONFLICT.
   */
  #snapshotUpsert(streams: readonly PendingStream[], p: Placeholders): string {
    const snapshot = (s: PendingStream): NonNullable<PendingStream['snapshot']> => s.snapshot!;
    const ids = p.add(streams.map((s) => s.aggregate.id));
    const types = p.add(streams.map((s) => s.aggregateType));
    const versions = p.add(streams.map((s) => snapshot(s).version));
    const schemaVersions = p.add(streams.map((s) => snapshot(s).schemaVersion));
    const states = p.add(streams.map((s) => snapshot(s).stateJson));
    return (
      `INSERT INTO ${this.snapshots} AS s (aggregate_id, aggregate_type, version, schema_version, state) ` +
      `SELECT * FROM unnest(${ids}::uuid[], ${types}::varchar[], ${versions}::int[], ` +
      `${schemaVersions}::int[], ${states}::jsonb[]) ` +
      'ON CONFLICT (aggregate_id) DO UPDATE SET aggregate_type = EXCLUDED.aggregate_type, ' +
      'version = EXCLUDED.version, schema_version = EXCLUDED.schema_version, state = EXCLUDED.state, ' +
      'created_at = now() WHERE s.version < EXCLUDED.version OR s.schema_version <> EXCLUDED.schema_version'
    );
  }
}

function allNew(batch: AppendBatch): boolean {
  return batch.streams.every((s) => s.expectedVersion === 0);
}

/**
 * What decides an append's text, and nothing else: the VALUES rows of each stream (or the
 * array form), whether the gap guard is needed, and which of the other writes come along.
 */
function layoutKey(batch: AppendBatch): string {
  const values = batch.rows.length <= MAX_VALUES_ROWS;
  let key = values ? (allNew(batch) ? 'n' : 'g') : 'a';
  if (values) for (const s of batch.streams) key += `${s.rows.length},`;
  // A keyed append to streams with events checks where the index does not see keys.
  if (batch.commandId !== undefined) key += allNew(batch) ? '|kn' : '|k';
  if (batch.releases.length > 0) key += '|r';
  if (batch.claims.length > 0) key += '|c';
  if (batch.streams.some((s) => s.snapshot !== undefined)) key += '|s';
  if (batch.unchanged.length > 0) key += '|u';
  const required = (batch.requiredKeys ?? []).length;
  if (required > 0) key += required === 1 ? '|p1' : '|p';
  return key;
}
