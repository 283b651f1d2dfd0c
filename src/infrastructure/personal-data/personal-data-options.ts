import type { MasterKeyProvider } from './master-key-provider';

/** The `personalData` option of `EventRepository`: how `@PersonalData` values are protected. */
export interface PersonalDataOptions {
  /** Wraps the data subjects' keys (see {@link MasterKeyProvider}). */
  readonly masterKey: MasterKeyProvider;
  /** Unwrapped keys cached per process, least recently used dropped first. Default 10,000. */
  readonly cacheSize?: number;
}
