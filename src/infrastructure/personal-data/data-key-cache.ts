import type { DataKey } from '../../domain/personal-data/data-key';

/**
 * Unwrapped data keys by key id, least recently used dropped beyond `capacity`. It only saves
 * the master key's `unwrap` (a KMS round trip): a key is used only after its row was read in
 * the same save or load, so a key `forget` destroyed is never used from here.
 */
export class DataKeyCache {
  readonly #entries = new Map<string, { readonly wrapped: Buffer; readonly key: DataKey }>();

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new TypeError(`cacheSize must be a non-negative integer, got ${capacity}`);
    }
  }

  /** The key unwrapped earlier from exactly these wrapped bytes. */
  get(keyId: string, wrapped: Buffer): DataKey | undefined {
    const entry = this.#entries.get(keyId);
    if (!entry || !entry.wrapped.equals(wrapped)) return undefined;
    this.#entries.delete(keyId);
    this.#entries.set(keyId, entry);
    return entry.key;
  }

  set(wrapped: Buffer, key: DataKey): void {
    if (this.capacity === 0) return;
    this.#entries.delete(key.keyId);
    this.#entries.set(key.keyId, { wrapped, key });
    if (this.#entries.size > this.capacity) {
      this.#entries.delete(this.#entries.keys().next().value!);
    }
  }

  delete(keyId: string): void {
    this.#entries.delete(keyId);
  }
}
