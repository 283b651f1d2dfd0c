import type { DataKey } from '../../domain/personal-data/data-key';
import { collectKeyIds, revealPayload } from '../../domain/personal-data/reveal-payload';
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

  constructor(
    private readonly keys: PersonalDataKeys,
    private readonly run: RunStatement,
  ) {}

  /** Reads the keys `payloads` need. */
  async prepare(payloads: Iterable<unknown>): Promise<void> {
    const ids = new Set<string>();
    for (const payload of payloads) collectKeyIds(payload, ids);
    const wanted = [...ids].filter((id) => !this.#asked.has(id));
    if (wanted.length === 0) return;
    for (const id of wanted) this.#asked.add(id);
    for (const [id, key] of await this.keys.byIds(wanted, this.run)) this.#keys.set(id, key);
  }

  /** The payload with its personal values decrypted or replaced by the placeholder. */
  reveal(payload: unknown): unknown {
    return revealPayload(payload, this.#keys, (key, sealed) => this.keys.open(key, sealed));
  }
}
