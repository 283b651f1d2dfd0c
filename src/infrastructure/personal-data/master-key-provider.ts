/**
 * Wraps (encrypts) and unwraps the data keys kept in the `personal_data_keys` table, so a copy
 * of that table alone opens nothing. Tessera ships {@link EnvironmentMasterKey}; a key
 * management service (AWS KMS, Google Cloud KMS, Vault transit) is one small class of yours.
 * Unwrapped keys are cached per process (bounded), so `unwrap` runs once per key, not per read.
 */
export interface MasterKeyProvider {
  /** The id of the master key {@link MasterKeyProvider.wrap} uses; stored with each wrapped key. */
  readonly masterKeyId: string;
  /** Encrypts a 32-byte data key. */
  wrap(dataKey: Buffer): Promise<Buffer>;
  /** Decrypts a data key wrapped by the master key `masterKeyId` (possibly an older one). */
  unwrap(wrapped: Buffer, masterKeyId: string): Promise<Buffer>;
}
