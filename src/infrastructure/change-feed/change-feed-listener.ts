import { Client, type ClientConfig } from 'pg';
import { quoteIdentifier } from '../sql/sql-identifier';
import { CHANGE_FEED_CHANNEL } from '../../migrations/schema-names';

/** Options of {@link ChangeFeedListener}. */
export interface ChangeFeedListenerOptions {
  /** Channel to LISTEN on. Default `tessera_events`. */
  readonly channel?: string;
  /** First delay before reconnecting after the connection drops; doubles up to 30 s. Default 200. */
  readonly reconnectDelayMs?: number;
  /** Told about connection failures (the listener keeps retrying). */
  readonly onError?: (error: unknown) => void;
}

/** A wake-up callback; see {@link ChangeFeedListener.onWake}. */
export type WakeListener = () => void;

/**
 * Holds one dedicated connection that LISTENs for change-feed notifications and wakes readers.
 * A notification is only a hint that something may be new: readers still read from their
 * checkpoint, so a notification lost while disconnected costs latency, never events. After each
 * reconnect it wakes every reader once, precisely because notifications may have been missed.
 */
export class ChangeFeedListener {
  readonly channel: string;
  readonly #config: ClientConfig;
  readonly #baseDelay: number;
  readonly #onError?: (error: unknown) => void;
  readonly #wakeListeners = new Set<WakeListener>();
  #client: Client | undefined;
  #stopped = true;
  #connects = 0;
  #retry: NodeJS.Timeout | undefined;
  #delay: number;

  constructor(connection: ClientConfig, options: ChangeFeedListenerOptions = {}) {
    this.channel = options.channel ?? CHANGE_FEED_CHANNEL;
    quoteIdentifier(this.channel, 'channel name');
    this.#config = connection;
    this.#baseDelay = options.reconnectDelayMs ?? 200;
    this.#delay = this.#baseDelay;
    this.#onError = options.onError;
  }

  /** How many times the LISTEN connection has been (re-)established. */
  get connects(): number {
    return this.#connects;
  }

  /** Whether the LISTEN connection is up right now. */
  get connected(): boolean {
    return this.#client !== undefined;
  }

  /** Connects and LISTENs; rejects if the first attempt fails (later drops are retried). */
  async start(): Promise<void> {
    if (!this.#stopped) return;
    this.#stopped = false;
    await this.#connect();
  }

  /** Closes the connection and stops reconnecting. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  /** Calls `listener` on every notification and after every reconnect; returns an unsubscribe. */
  onWake(listener: WakeListener): () => void {
    this.#wakeListeners.add(listener);
    return () => this.#wakeListeners.delete(listener);
  }

  async #connect(): Promise<void> {
    const client = new Client(this.#config);
    client.on('notification', () => this.#wake());
    client.on('error', (error) => this.#lost(client, error));
    client.on('end', () => this.#lost(client, undefined));
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdentifier(this.channel, 'channel name')}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.#stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
    this.#connects += 1;
    this.#delay = this.#baseDelay;
    if (this.#connects > 1) this.#wake();
  }

  #lost(client: Client, error: unknown): void {
    if (error !== undefined) this.#onError?.(error);
    if (this.#client !== client) return;
    this.#client = undefined;
    void client.end().catch(() => undefined);
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#stopped) return;
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => {
      this.#connect().catch((error: unknown) => {
        this.#onError?.(error);
        this.#delay = Math.min(this.#delay * 2, 30_000);
        this.#scheduleReconnect();
      });
    }, this.#delay);
  }

  #wake(): void {
    for (const listener of this.#wakeListeners) listener();
  }
}
