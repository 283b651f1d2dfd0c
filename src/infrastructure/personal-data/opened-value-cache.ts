import type { SealedValue } from '../../domain/personal-data/sealed-value';

/** A value opened earlier: a primitive as it was, an object as its JSON text (never shared). */
interface Opened {
  readonly keyId: string;
  readonly value: unknown;
  readonly json: boolean;
}

/**
 * Decrypted personal values by their stored form (key id, nonce and ciphertext), least recently
 * used dropped beyond `capacity`; 0 turns it off. It only saves AES-GCM work: it is asked only
 * for a value whose key the same read just found in the keys table, so a value of a forgotten
 * subject is never returned from here, and `forget` in this process drops its key's values.
 */
export class OpenedValueCache {
  readonly #entries = new Map<string, Opened>();
  readonly #byKey = new Map<string, Set<string>>();

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 0) {
      throw new TypeError(`valueCacheSize must be a non-negative integer, got ${capacity}`);
    }
  }

  get enabled(): boolean {
    return this.capacity > 0;
  }

  /** The value opened earlier from exactly this stored form. */
  get(sealed: SealedValue): { readonly value: unknown } | undefined {
    const id = entryId(sealed);
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    this.#entries.delete(id);
    this.#entries.set(id, entry);
    return { value: entry.json ? (JSON.parse(entry.value as string) as unknown) : entry.value };
  }

  set(sealed: SealedValue, value: unknown): void {
    if (this.capacity === 0) return;
    const id = entryId(sealed);
    const json = value !== null && typeof value === 'object';
    this.#entries.delete(id);
    this.#entries.set(id, { keyId: sealed.$pd, value: json ? JSON.stringify(value) : value, json });
    let ids = this.#byKey.get(sealed.$pd);
    if (!ids) this.#byKey.set(sealed.$pd, (ids = new Set()));
    ids.add(id);
    if (this.#entries.size > this.capacity) {
      const [oldest, entry] = this.#entries.entries().next().value!;
      this.#entries.delete(oldest);
      this.#forgetId(entry.keyId, oldest);
    }
  }

  /** Drops every value of this key. */
  deleteKey(keyId: string): void {
    const ids = this.#byKey.get(keyId);
    if (!ids) return;
    for (const id of ids) this.#entries.delete(id);
    this.#byKey.delete(keyId);
  }

  /** How many values are cached (for tests of the bound). */
  get size(): number {
    return this.#entries.size;
  }

  #forgetId(keyId: string, id: string): void {
    const ids = this.#byKey.get(keyId);
    ids?.delete(id);
    if (ids?.size === 0) this.#byKey.delete(keyId);
  }
}

/** The nonce is random per value, the ciphertext makes an altered row a different entry. */
function entryId(sealed: SealedValue): string {
  return `${sealed.$pd}.${sealed.iv}.${sealed.ct}`;
}
