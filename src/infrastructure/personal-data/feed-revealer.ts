import type { StoredEvent } from '../../domain/model/event-envelope';
import { PERSONAL_DATA_KEYS_TABLE } from '../../migrations/schema-names';
import { qualifiedTableName } from '../sql/sql-identifier';
import { PayloadRevealer } from './payload-revealer';
import { PersonalDataKeys } from './personal-data-keys';
import type { PersonalDataOptions } from './personal-data-options';

/** Queries on the pool or in a transaction, as TypeORM runs them. */
interface Queryable {
  query<R>(sql: string, params: unknown[]): Promise<R>;
}

/**
 * Decrypts the personal values of change-feed events (the ordered reader, the projection
 * runners): the feed delivers the stored payloads, where those values are ciphertext.
 */
export class FeedRevealer {
  readonly #keys: PersonalDataKeys;

  constructor(options: PersonalDataOptions, schema: string | undefined) {
    this.#keys = new PersonalDataKeys(
      qualifiedTableName(PERSONAL_DATA_KEYS_TABLE, schema),
      options.masterKey,
      options.cacheSize ?? 10_000,
      options.valueCacheSize,
    );
  }

  /** A revealer for these options, or none without them. */
  static of(options: PersonalDataOptions | undefined, schema?: string): FeedRevealer | undefined {
    return options ? new FeedRevealer(options, schema) : undefined;
  }

  /** The events with their personal values decrypted, or the placeholder once forgotten. */
  async reveal<E extends StoredEvent>(events: readonly E[], runner: Queryable): Promise<E[]> {
    const revealer = new PayloadRevealer(this.#keys, (st) =>
      runner.query(st.sql.text, [...st.params]),
    );
    await revealer.prepare(events.map((e) => e.payload));
    return events.map((e) => ({ ...e, payload: revealer.reveal(e.payload) }));
  }
}
