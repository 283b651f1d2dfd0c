import type { MasterKeyProvider } from './master-key-provider';

/** The `personalData` option of `EventRepository`: how `@PersonalData` values are protected. */
export interface PersonalDataOptions {
  /** Wraps the data subjects' keys (see {@link MasterKeyProvider}). */
  readonly masterKey: MasterKeyProvider;
  /**
   * Unwrapped keys cached per process, least recently used dropped first. Default 10,000. A
   * save of a subject whose key is cached skips the key read (its append checks the key still
   * exists); 0 reads the key on every save.
   */
  readonly cacheSize?: number;
  /**
   * Decrypted values cached per process (by stored form), the oldest dropped first, so
   * loading the same events again skips their AES-GCM work. Default 0 (off): it keeps plain
   * personal values in memory beyond the aggregates that hold them (docs/personal-data.md).
   * Used only for values whose key the same read found, and dropped by `forget` in this process.
   */
  readonly valueCacheSize?: number;
}
