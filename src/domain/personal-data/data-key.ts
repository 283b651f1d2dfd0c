/** A data subject's key, unwrapped: what encrypts and decrypts that subject's personal values. */
export interface DataKey {
  /** Stored with every value it encrypts, so a read knows which key opens it. */
  readonly keyId: string;
  readonly subjectId: string;
  /** 32 bytes, for AES-256-GCM. */
  readonly key: Buffer;
}
