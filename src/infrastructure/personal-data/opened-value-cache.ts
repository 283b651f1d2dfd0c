import type { SealedValue } from '../../domain/personal-data/sealed-value';

/** A value opened earlier: a primitive as it was, an object as its JSON text (never shared). */
interface Opened {
  readonly iv: string;
  readonly value: unknown;
  readonly json: boolean;
}

/**
 * Decrypted personal values by their stored form (key id, nonce and ciphertext), the oldest
 * dropped beyond `capacity`; 0 turns it off. It only saves AES-GCM work: it is asked only for a
 * value whose key the same read just found in the keys table, so a value of a forgotten subject
 * is never returned from here, and `forget` in this process drops its key's values. A hit is
 * two map lookups and a nonce comparison (no string built per lookup, no reordering): on a
 * load's hot path it must cost far less than the decryption it saves.
 */
export class OpenedValueCache {
  /** Per key id, by ciphertext (its tag makes it unique per value). */
  readonly #byKey = new Map<string, Map<string, Opened>>();
  /** Insertion order, for the bound: [key id, ciphertext]. */
  readonly #order = new Map<string, readonly [string, string]>();

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
    const entry = this.#byKey.get(sealed.$pd)?.get(sealed.ct);
    // The nonce is compared too: a row with an altered nonce must fail to decrypt, not hit.
    if (!entry || entry.iv !== sealed.iv) return undefined;
    return { value: entry.json ? (JSON.parse(entry.value as string) as unknown) : entry.value };
  }

  set(sealed: SealedValue, value: unknown): void {
    if (this.capacity === 0) return;
    const json = value !== null && typeof value === 'object';
    let values = this.#byKey.get(sealed.$pd);
    if (!values) this.#byKey.set(sealed.$pd, (values = new Map<string, Opened>()));
    values.set(sealed.ct, { iv: sealed.iv, value: json ? JSON.stringify(value) : value, json });
    const id = `${sealed.$pd}.${sealed.ct}`;
    this.#order.delete(id);
    this.#order.set(id, [sealed.$pd, sealed.ct]);
    if (this.#order.size > this.capacity) {
      const [oldest, [keyId, ct]] = this.#order.entries().next().value!;
      this.#order.delete(oldest);
      const of = this.#byKey.get(keyId);
      of?.delete(ct);
      if (of?.size === 0) this.#byKey.delete(keyId);
    }
  }

  /** Drops every value of this key. */
  deleteKey(keyId: string): void {
    const values = this.#byKey.get(keyId);
    if (!values) return;
    for (const ct of values.keys()) this.#order.delete(`${keyId}.${ct}`);
    this.#byKey.delete(keyId);
  }

  /** How many values are cached (for tests of the bound). */
  get size(): number {
    return this.#order.size;
  }
}
