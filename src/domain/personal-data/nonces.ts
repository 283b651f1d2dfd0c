import { randomBytes } from 'node:crypto';

/** Bytes of an AES-GCM nonce. */
export const NONCE_BYTES = 12;

/**
 * Fresh random 12-byte nonces for AES-256-GCM, drawn from node's CSPRNG a block of 128 at a time:
 * each draw from it is a native call costing about as much as creating the cipher, whatever its
 * size, and a save pays one per value otherwise. A block is used once, front to back, and never
 * refilled in place (a nonce handed out keeps its bytes). Nonces are stored in the clear beside
 * their ciphertext: holding the next ones in memory reveals nothing.
 */
export class Nonces {
  #block: Buffer = Buffer.alloc(0);
  #offset = 0;

  /** A nonce no call has returned before. */
  next(): Buffer {
    if (this.#offset + NONCE_BYTES > this.#block.length) {
      this.#block = randomBytes(NONCE_BYTES * 128);
      this.#offset = 0;
    }
    const nonce = this.#block.subarray(this.#offset, this.#offset + NONCE_BYTES);
    this.#offset += NONCE_BYTES;
    return nonce;
  }
}
