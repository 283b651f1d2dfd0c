import type { DataKey } from './data-key';
import { FORGOTTEN_VALUE } from './forgotten-value';
import { isSealedValue, openValue, type SealedValue } from './sealed-value';

/** Where a sealed value sits in a stored payload: the object (or array) holding it, and how. */
export interface SealedSpot {
  readonly owner: Record<string, unknown>;
  readonly name: string;
  readonly sealed: SealedValue;
}

/**
 * Adds the key ids of every sealed value in a stored payload to `into`, and, with `spots`, where
 * each sealed value below the payload's top sits (so it can be replaced without a second walk).
 */
export function collectKeyIds(payload: unknown, into: Set<string>, spots?: SealedSpot[]): void {
  if (payload === null || typeof payload !== 'object') return;
  if (isSealedValue(payload)) {
    into.add(payload.$pd);
    return;
  }
  const record = payload as Record<string, unknown>;
  for (const name in record) {
    const value = record[name];
    if (value === null || typeof value !== 'object') continue;
    if (spots !== undefined && isSealedValue(value)) {
      into.add(value.$pd);
      spots.push({ owner: record, name, sealed: value });
    } else collectKeyIds(value, into, spots);
  }
}

/**
 * The stored payload with every sealed value decrypted (by `open`, {@link openValue} unless
 * given), or {@link FORGOTTEN_VALUE} where its key is not in `keys` (destroyed by `forget`):
 * `open` is only ever called with a key found in `keys`. Replaces in place: the payload is a
 * fresh parse.
 */
export function revealPayload(
  payload: unknown,
  keys: ReadonlyMap<string, DataKey>,
  open: (key: DataKey, sealed: SealedValue) => unknown = openValue,
): unknown {
  if (payload === null || typeof payload !== 'object') return payload;
  if (isSealedValue(payload)) {
    const key = keys.get(payload.$pd);
    return key ? open(key, payload) : FORGOTTEN_VALUE;
  }
  const record = payload as Record<string, unknown>;
  for (const name in record) {
    const value = record[name];
    if (value !== null && typeof value === 'object')
      record[name] = revealPayload(value, keys, open);
  }
  return payload;
}
