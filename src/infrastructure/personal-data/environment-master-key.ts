import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { MasterKeyProvider } from './master-key-provider';

/** Options of {@link EnvironmentMasterKey}. */
export interface EnvironmentMasterKeyOptions {
  /** The master key, 32 bytes in base64; read from `variable` when omitted. */
  readonly key?: string;
  /** The environment variable holding the key. Default `TESSERA_MASTER_KEY`. */
  readonly variable?: string;
  /** The id stored with every key it wraps. Default `env:<variable>`. */
  readonly masterKeyId?: string;
}

/**
 * A master key from configuration (by default the `TESSERA_MASTER_KEY` environment variable: 32
 * random bytes in base64, e.g. `openssl rand -base64 32`). It wraps data keys with AES-256-GCM.
 * Keep it out of the database and its backups: whoever holds both can read every subject not
 * yet forgotten.
 *
 * @example
 * ```ts
 * const repository = new EventRepository(dataSource, {
 *   personalData: { masterKey: new EnvironmentMasterKey() },
 * });
 * ```
 */
export class EnvironmentMasterKey implements MasterKeyProvider {
  readonly masterKeyId: string;
  readonly #key: Buffer;

  constructor(options: EnvironmentMasterKeyOptions = {}) {
    const variable = options.variable ?? 'TESSERA_MASTER_KEY';
    const text = options.key ?? process.env[variable];
    const key = typeof text === 'string' ? Buffer.from(text, 'base64') : Buffer.alloc(0);
    if (key.length !== 32) {
      throw new TypeError(
        `the master key ${options.key === undefined ? `in ${variable} ` : ''}must be 32 bytes in base64 (openssl rand -base64 32)`,
      );
    }
    this.#key = key;
    this.masterKeyId = options.masterKeyId ?? `env:${variable}`;
  }

  wrap(dataKey: Buffer): Promise<Buffer> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(this.masterKeyId));
    const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    return Promise.resolve(Buffer.concat([iv, body, cipher.getAuthTag()]));
  }

  unwrap(wrapped: Buffer, masterKeyId: string): Promise<Buffer> {
    if (masterKeyId !== this.masterKeyId) {
      return Promise.reject(
        new Error(`data key wrapped by master key ${masterKeyId}, this one is ${this.masterKeyId}`),
      );
    }
    const decipher = createDecipheriv('aes-256-gcm', this.#key, wrapped.subarray(0, 12));
    decipher.setAAD(Buffer.from(masterKeyId));
    decipher.setAuthTag(wrapped.subarray(wrapped.length - 16));
    return Promise.resolve(
      Buffer.concat([decipher.update(wrapped.subarray(12, wrapped.length - 16)), decipher.final()]),
    );
  }
}
