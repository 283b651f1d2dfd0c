import { createSecretKey, type KeyObject } from 'node:crypto';

/** A data subject's key, unwrapped: what encrypts and decrypts that subject's personal values. */
export interface DataKey {
  /** Stored with every value it encrypts, so a read knows which key opens it. */
  readonly keyId: string;
  readonly subjectId: string;
  /** 32 bytes, for AES-256-GCM. */
  readonly key: Buffer;
  /** `key` as node:crypto's key object: made once per key, not once per value. */
  readonly secret: KeyObject;
  /** The associated data every value of this key is bound to: its id's bytes. */
  readonly aad: Buffer;
}

/** A {@link DataKey} with what each encryption and decryption under it needs prepared. */
export function dataKey(keyId: string, subjectId: string, key: Buffer): DataKey {
  return { keyId, subjectId, key, secret: createSecretKey(key), aad: Buffer.from(keyId) };
}
