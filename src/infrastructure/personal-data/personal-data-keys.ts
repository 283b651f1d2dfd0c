import { randomBytes, randomUUID } from 'node:crypto';
import { dataKey, type DataKey } from '../../domain/personal-data/data-key';
import { PersonalDataDecryptionError } from '../../domain/errors/personal-data-decryption-error';
import { namedSql, type BoundStatement } from '../sql/named-sql';
import { openValue, type SealedValue } from '../../domain/personal-data/sealed-value';
import { DataKeyCache } from './data-key-cache';
import type { MasterKeyProvider } from './master-key-provider';
import { OpenedValueCache } from './opened-value-cache';

/** A row of the keys table as the statements below return it. */
interface KeyRow {
  readonly subject_id: string;
  readonly key_id: string;
  readonly wrapped_key: Buffer;
  readonly master_key_id: string;
}

/** Runs one statement (on the repository's connection or the caller's transaction). */
export type RunStatement = <R>(statement: BoundStatement) => Promise<R[]>;

/**
 * The data subjects' keys in PostgreSQL (`personal_data_keys`, one row per subject), wrapped by
 * the master key. A save reads the keys of its subjects and creates the missing ones (or takes
 * them from the cache, and its append checks they still exist); a load reads the keys its stored
 * values name; `forget` deletes one row.
 */
export class PersonalDataKeys {
  readonly #cache: DataKeyCache;
  readonly #values: OpenedValueCache;
  readonly #bySubjects;
  readonly #byIds;
  readonly #create;
  readonly #forget;

  constructor(
    table: string,
    private readonly masterKey: MasterKeyProvider | undefined,
    cacheSize: number,
    valueCacheSize = 0,
  ) {
    this.#cache = new DataKeyCache(cacheSize);
    this.#values = new OpenedValueCache(valueCacheSize);
    const columns = 'subject_id, key_id, wrapped_key, master_key_id';
    this.#bySubjects = namedSql(
      `SELECT ${columns} FROM ${table} WHERE subject_id = ANY($1::varchar[])`,
    );
    this.#byIds = namedSql(`SELECT ${columns} FROM ${table} WHERE key_id = ANY($1::uuid[])`);
    // A subject two saves create at once keeps the first key: the loser's row is skipped
    // and read back by the caller.
    this.#create = namedSql(
      `INSERT INTO ${table} (${columns})
       SELECT * FROM unnest($1::varchar[], $2::uuid[], $3::bytea[], $4::varchar[])
       ON CONFLICT (subject_id) DO NOTHING
       RETURNING ${columns}`,
    );
    this.#forget = namedSql(`DELETE FROM ${table} WHERE subject_id = $1 RETURNING key_id`);
  }

  /** True when keys can be created and opened (a master key was configured). */
  get configured(): boolean {
    return this.masterKey !== undefined;
  }

  /**
   * The key of each subject, by subject id, creating the missing ones. A subject forgotten
   * earlier gets a new key: its old values stay unreadable, new ones are readable until it is
   * forgotten again.
   */
  async forSubjects(subjects: readonly string[], run: RunStatement): Promise<Map<string, DataKey>> {
    const found = await this.#open(
      await run<KeyRow>({ sql: this.#bySubjects, params: [subjects] }),
    );
    const keys = new Map(found.map((k) => [k.subjectId, k]));
    const missing = subjects.filter((s) => !keys.has(s));
    if (missing.length === 0) return keys;
    const masterKey = this.#masterKey();
    const fresh = missing.map(() => randomBytes(32));
    const wrapped = await Promise.all(fresh.map((k) => masterKey.wrap(k)));
    const created = await run<KeyRow>({
      sql: this.#create,
      params: [
        missing,
        missing.map(() => randomUUID()),
        wrapped.map((w) => `\\x${w.toString('hex')}`),
        missing.map(() => masterKey.masterKeyId),
      ],
    });
    for (const key of await this.#open(created)) keys.set(key.subjectId, key);
    const lost = subjects.filter((s) => !keys.has(s));
    if (lost.length > 0) {
      const winners = await run<KeyRow>({ sql: this.#bySubjects, params: [lost] });
      for (const key of await this.#open(winners)) keys.set(key.subjectId, key);
    }
    return keys;
  }

  /**
   * The cached key of every subject, or undefined when one is not cached. Any of them may have
   * been forgotten by another process since it was read: an append sealed with them must check
   * that they still exist (`AppendBatch.requiredKeys`).
   */
  cachedForSubjects(subjects: readonly string[]): Map<string, DataKey> | undefined {
    const keys = new Map<string, DataKey>();
    for (const subject of subjects) {
      const key = this.#cache.ofSubject(subject);
      if (!key) return undefined;
      keys.set(subject, key);
    }
    return keys;
  }

  /** The keys with these ids that still exist, by key id (a forgotten one is absent). */
  async byIds(keyIds: readonly string[], run: RunStatement): Promise<Map<string, DataKey>> {
    const rows = await run<KeyRow>({ sql: this.#byIds, params: [keyIds] });
    const keys = new Map((await this.#open(rows)).map((k) => [k.keyId, k]));
    // A key asked for and not found was forgotten (by any process): nothing of it stays cached.
    for (const id of keyIds) if (!keys.has(id)) this.drop(id);
    return keys;
  }

  /**
   * Decrypts a stored value with its key, which the caller has just read from the keys table
   * (so it was not forgotten): from the opened-value cache when enabled.
   */
  open(key: DataKey, sealed: SealedValue): unknown {
    if (!this.#values.enabled) return openValue(key, sealed);
    const cached = this.#values.get(sealed);
    if (cached) return cached.value;
    const value = openValue(key, sealed);
    this.#values.set(sealed, value);
    return value;
  }

  /** Drops a key and the values opened with it from this process's caches. */
  drop(keyId: string): void {
    this.#cache.delete(keyId);
    this.#values.deleteKey(keyId);
  }

  /** Deletes the subject's key; true when there was one. */
  async forget(subjectId: string, run: RunStatement): Promise<boolean> {
    const rows = await run<{ key_id: string }>({ sql: this.#forget, params: [subjectId] });
    for (const row of rows) this.drop(row.key_id);
    const older = this.#cache.ofSubject(subjectId);
    if (older) this.drop(older.keyId);
    return rows.length > 0;
  }

  async #open(rows: readonly KeyRow[]): Promise<DataKey[]> {
    return Promise.all(
      rows.map(async (row) => {
        const cached = this.#cache.get(row.key_id, row.wrapped_key);
        if (cached) return cached;
        let unwrapped: Buffer;
        try {
          unwrapped = await this.#masterKey().unwrap(row.wrapped_key, row.master_key_id);
        } catch (error) {
          throw new PersonalDataDecryptionError(row.key_id, { cause: error });
        }
        const key = dataKey(row.key_id, row.subject_id, unwrapped);
        this.#cache.set(row.wrapped_key, key);
        return key;
      }),
    );
  }

  #masterKey(): MasterKeyProvider {
    if (!this.masterKey) throw new Error('personal data keys need a master key');
    return this.masterKey;
  }
}
