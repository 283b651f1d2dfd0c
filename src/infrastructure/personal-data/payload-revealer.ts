import type { DataKey } from '../../domain/personal-data/data-key';
import { FORGOTTEN_VALUE } from '../../domain/personal-data/forgotten-value';
import {
  collectKeyIds,
  revealPayload,
  type SealedSpot,
} from '../../domain/personal-data/reveal-payload';
import { isSealedValue } from '../../domain/personal-data/sealed-value';
import type { PersonalDataKeys, RunStatement } from './personal-data-keys';

/**
 * Decrypts the personal values of the payloads one read returns: before a batch of payloads is
 * used, {@link PayloadRevealer.prepare} reads the keys they name that this read has not asked
 * for yet (one statement), then {@link PayloadRevealer.reveal} opens each value, or gives the
 * placeholder where the key no longer exists.
 */
export class PayloadRevealer {
  readonly #keys = new Map<string, DataKey>();
  readonly #asked = new Set<string>();
  /** Where the sealed values of each prepared payload sit, until it is revealed. */
  readonly #spots = new Map<object, readonly SealedSpot[]>();

  constructor(
    private readonly keys: PersonalDataKeys,
    private readonly run: RunStatement,
  ) {}

  /** Reads the keys `payloads` need. */
  async prepare(payloads: Iterable<unknown>): Promise<void> {
    const ids = new Set<string>();
    const spots: SealedSpot[] = [];
    for (const payload of payloads) {
      if (payload === null || typeof payload !== 'object' || isSealedValue(payload)) {
        collectKeyIds(payload, ids);
        continue;
      }
      collectKeyIds(payload, ids, spots);
      // Payloads without personal values (most, in most streams) keep nothing here.
      if (spots.length > 0) this.#spots.set(payload, spots.splice(0));
    }
    const wanted = [...ids].filter((id) => !this.#asked.has(id));
    if (wanted.length === 0) return;
    for (const id of wanted) this.#asked.add(id);
    for (const [id, key] of await this.keys.byIds(wanted, this.run)) this.#keys.set(id, key);
  }

  /**
   * The payload with its personal values decrypted or replaced by the placeholder, in place (a
   * payload is a fresh parse). A payload prepared here has its values replaced where `prepare`
   * found them; any other is walked.
   */
  reveal(payload: unknown): unknown {
    const spots =
      payload !== null && typeof payload === 'object' ? this.#spots.get(payload) : undefined;
    if (spots === undefined) {
      return revealPayload(payload, this.#keys, (key, sealed) => this.keys.open(key, sealed));
    }
    this.#spots.delete(payload as object);
    for (const { owner, name, sealed } of spots) {
      const key = this.#keys.get(sealed.$pd);
      owner[name] = key ? this.keys.open(key, sealed) : FORGOTTEN_VALUE;
    }
    return payload;
  }
}
