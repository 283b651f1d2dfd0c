import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { PersonalDataDecryptionError } from '../errors/personal-data-decryption-error';
import type { DataKey } from './data-key';
import { NONCE_BYTES } from './nonces';

/**
 * How a personal value is stored in a payload: the id of the key that encrypted it, the nonce,
 * and the AES-256-GCM ciphertext of its JSON text followed by the 16-byte tag (both base64).
 */
export interface SealedValue {
  readonly $pd: string;
  readonly iv: string;
  readonly ct: string;
}

/** True for a value in the stored form of {@link SealedValue}. */
export function isSealedValue(value: unknown): value is SealedValue {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.$pd === 'string' &&
    typeof v.iv === 'string' &&
    typeof v.ct === 'string' &&
    Object.keys(v).length === 3
  );
}

/**
 * Encrypts one value under `nonce`, which must never have been used before (a fresh random one
 * by default; a save takes them from its repository's {@link Nonces}); the key id is bound in as
 * associated data.
 */
export function sealValue(
  key: DataKey,
  value: unknown,
  nonce: Buffer = randomBytes(NONCE_BYTES),
): SealedValue {
  if (nonce.length !== NONCE_BYTES) throw new RangeError(`a nonce is ${NONCE_BYTES} bytes`);
  const cipher = createCipheriv('aes-256-gcm', key.secret, nonce);
  cipher.setAAD(key.aad);
  const text = cipher.update(JSON.stringify(value), 'utf8');
  // GCM's final() writes nothing: the ciphertext is whole after update().
  cipher.final();
  const ct = Buffer.concat([text, cipher.getAuthTag()]);
  return { $pd: key.keyId, iv: nonce.toString('base64'), ct: ct.toString('base64') };
}

/** Decrypts a value sealed with `key`; a value that does not authenticate throws. */
export function openValue(key: DataKey, sealed: SealedValue): unknown {
  const bytes = Buffer.from(sealed.ct, 'base64');
  try {
    // A fixed tag length: otherwise a stored value with a shortened tag would be accepted.
    const decipher = createDecipheriv('aes-256-gcm', key.secret, Buffer.from(sealed.iv, 'base64'), {
      authTagLength: 16,
    });
    decipher.setAAD(key.aad);
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    // GCM's final() only checks the tag: the plaintext is whole after update().
    const text = decipher.update(bytes.subarray(0, bytes.length - 16));
    decipher.final();
    return JSON.parse(text.toString('utf8')) as unknown;
  } catch (error) {
    throw new PersonalDataDecryptionError(key.keyId, { cause: error });
  }
}

/**
 * A stand-in for a personal value in a command-id fingerprint: deterministic while the key
 * exists (a retry of the same command matches), and meaningless once it is destroyed (a hash of
 * an e-mail address could otherwise be reversed by guessing).
 */
export function fingerprintValue(key: DataKey, value: unknown): string {
  return createHmac('sha256', key.key).update(JSON.stringify(value)).digest('base64url');
}
