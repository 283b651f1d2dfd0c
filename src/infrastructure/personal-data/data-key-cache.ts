import type { DataKey } from '../../domain/personal-data/data-key';

/**
 * Unwrapped data keys by key id, least recently used dropped beyond `capacity`, with the key
 * last seen for each subject. By key id it only saves the master key's `unwrap` (a KMS round
 * trip): a load uses a key only after its row was read in the same load. By subject it saves a
 * save's key read: a save sealing with a key from here makes its append check that the key
 * still exists (see `AppendBatch.requiredKeys`), so a key `forget` destroyed in another process
 * is never written under from here.
 */
export class DataKeyCache {
  readonly #entries = new Map<string, { readonly wrapped: Buffer; readonly key: DataKey }>();
  readonly #bySubject = new Map<string, string>();

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new TypeError(`cacheSize must be a non-negative integer, got ${capacity}`);
    }
  }

  /** The key unwrapped earlier from exactly these wrapped bytes. */
  get(keyId: string, wrapped: Buffer): DataKey | undefined {
    const entry = this.#entries.get(keyId);
    if (!entry || !entry.wrapped.equals(wrapped)) return undefined;
    this.#touch(keyId, entry);
    return entry.key;
  }

  /** The key last read for this subject, if still cached: it may have been forgotten since. */
  ofSubject(subjectId: string): DataKey | undefined {
    const keyId = this.#bySubject.get(subjectId);
    const entry = keyId === undefined ? undefined : this.#entries.get(keyId);
    if (!entry) return undefined;
    this.#touch(entry.key.keyId, entry);
    return entry.key;
  }

  /** Caches a key read from its row: the subject's current key when it was read. */
  set(wrapped: Buffer, key: DataKey): void {
    if (this.capacity === 0) return;
    this.#entries.delete(key.keyId);
    this.#entries.set(key.keyId, { wrapped, key });
    this.#bySubject.set(key.subjectId, key.keyId);
    if (this.#entries.size > this.capacity) this.delete(this.#entries.keys().next().value!);
  }

  delete(keyId: string): void {
    const entry = this.#entries.get(keyId);
    if (!entry) return;
    this.#entries.delete(keyId);
    if (this.#bySubject.get(entry.key.subjectId) === keyId) {
      this.#bySubject.delete(entry.key.subjectId);
    }
  }

  #touch(keyId: string, entry: { readonly wrapped: Buffer; readonly key: DataKey }): void {
    this.#entries.delete(keyId);
    this.#entries.set(keyId, entry);
  }
}
