import { Client, type ClientConfig } from 'pg';
import { LogicalReplicationService, PgoutputPlugin, type Pgoutput } from 'pg-logical-replication';
import { EVENTS_TABLE } from '../../migrations/schema-names';
import { EVENTS_PUBLICATION } from '../../migrations/schema-names';
import { toFeedEvent, type FeedEventRow } from './feed-event';
import {
  upcasters as globalUpcasters,
  type UpcasterRegistry,
} from '../../domain/codec/upcaster-registry';
import { upcastFeedEvents } from './upcast-feed-events';
import { compareLsn, formatLsn, parseLsn } from './lsn';
import type { ReplicatedTransaction } from './replicated-transaction';
import { asSlotInvalidated } from './replication-slot-invalidated-error';
import {
  assertSlotName,
  createReplicationSlot,
  dropReplicationSlot,
  recreateInvalidatedSlot,
  replicationSlotStatus,
  type ReplicationSlotStatus,
} from './replication-slot';

/** Handles a batch of committed transactions, oldest commit first. */
export type ReplicationHandler = (transactions: readonly ReplicatedTransaction[]) => Promise<void>;

/** Options of {@link LogicalReplicationConsumer}. */
export interface LogicalReplicationConsumerOptions {
  /**
   * node-postgres connection settings of a role with the REPLICATION attribute (or a superuser)
   * and SELECT on the events table; see docs/change-feed.md for the grants.
   */
  readonly connection: ClientConfig;
  /** Replication slot: `[a-z0-9_]{1,63}`, one per consumer. */
  readonly slotName: string;
  /** Called with each batch; the batch is acknowledged only after it resolves. */
  readonly handler: ReplicationHandler;
  /** Publication to subscribe to. Default `tessera_events` (the migration's). */
  readonly publicationName?: string;
  /** Events table name, to tell its inserts from other published tables'. Default `events`. */
  readonly table?: string;
  /** Most events handed to one handler call (whole transactions only). Default 1000. */
  readonly maxBatchEvents?: number;
  /**
   * The upcaster chains events are read through before the handler sees them (see
   * `upcastFeedEvents`). Default: the process-wide registry `registerUpcaster()` fills.
   */
  readonly upcasters?: UpcasterRegistry;
  /**
   * False hands the handler the events as stored, not upcast: for a handler that has a step to
   * take before upcasting (`ReplicationProjectionRunner` decrypts personal data first, then
   * upcasts with `upcasters`). Default true.
   */
  readonly upcast?: boolean;
}

/** The stream's internals pg-logical-replication itself reaches for to pause the socket. */
interface StreamHolder {
  _connection?: { stream?: { pause?: () => void; resume?: () => void } } | null;
}

const ZERO_LSN = '0/0';

/**
 * Streams the events table's inserts through a pgoutput logical replication slot (the protocol
 * Debezium uses), one transaction at a time in commit order, and acknowledges a batch's last
 * commit LSN only after the handler has resolved. A crash therefore redelivers at most the
 * unacknowledged batches (at-least-once); nothing acknowledged is handed out again, nothing
 * unacknowledged is lost. A failed handler stops the consumer: {@link closed} rejects, and a
 * new {@link start} resumes from the last acknowledged commit.
 *
 * @example
 * ```ts
 * const consumer = new LogicalReplicationConsumer({
 *   connection: { connectionString: process.env.CDC_URL },
 *   slotName: 'billing',
 *   handler: async (transactions) => { for (const tx of transactions) await publish(tx.events); },
 * });
 * await consumer.createSlot();
 * await consumer.start();
 * ```
 */
export class LogicalReplicationConsumer {
  readonly slotName: string;
  readonly publicationName: string;
  readonly #options: LogicalReplicationConsumerOptions;
  readonly #table: string;
  readonly #maxBatchEvents: number;
  readonly #upcasters: UpcasterRegistry;
  #service: LogicalReplicationService | undefined;
  #open: { xid: number; commitLsn: string; events: FeedEventRow[] } | undefined;
  #ready: ReplicatedTransaction[] = [];
  #readyEvents = 0;
  #paused = false;
  #draining: Promise<void> | undefined;
  #acknowledged: string | undefined;
  #stopping = false;
  #failure: Error | undefined;
  #closed: Promise<void> = Promise.resolve();
  #settle: { resolve: () => void; reject: (error: unknown) => void } | undefined;

  constructor(options: LogicalReplicationConsumerOptions) {
    assertSlotName(options.slotName);
    const maxBatchEvents = options.maxBatchEvents ?? 1000;
    if (!Number.isInteger(maxBatchEvents) || maxBatchEvents < 1) {
      throw new TypeError(`maxBatchEvents must be a positive integer, got ${maxBatchEvents}`);
    }
    this.#options = options;
    this.slotName = options.slotName;
    this.publicationName = options.publicationName ?? EVENTS_PUBLICATION;
    this.#table = options.table ?? EVENTS_TABLE;
    this.#maxBatchEvents = maxBatchEvents;
    this.#upcasters = options.upcasters ?? globalUpcasters;
    this.#upcasters.assertComplete();
  }

  /** Settles when the stream ends: resolves after {@link stop}, rejects with what broke it. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  /** Whether the consumer is streaming. */
  get running(): boolean {
    return this.#service !== undefined;
  }

  /** The last commit LSN this consumer acknowledged, if any. */
  get acknowledgedLsn(): string | undefined {
    return this.#acknowledged;
  }

  /**
   * Creates the slot unless it exists; true when this call created it. Rejects with
   * ReplicationSlotInvalidatedError when the slot exists but PostgreSQL invalidated it.
   */
  createSlot(): Promise<boolean> {
    return this.#admin((db) => createReplicationSlot(db, this.slotName));
  }

  /**
   * Replaces the slot if PostgreSQL invalidated it (true), else changes nothing (false). The new
   * slot streams from now on: read what was committed before from the events table.
   */
  recreateInvalidatedSlot(): Promise<boolean> {
    return this.#admin((db) => recreateInvalidatedSlot(db, this.slotName));
  }

  /** The slot's state and lag, or null when the slot does not exist. */
  slotStatus(): Promise<ReplicationSlotStatus | null> {
    return this.#admin((db) => replicationSlotStatus(db, this.slotName));
  }

  /** Stops the consumer and drops its slot (the server then frees the WAL it held). */
  async dropSlot(timeoutMs?: number): Promise<void> {
    await this.stop();
    await this.#admin((db) => dropReplicationSlot(db, this.slotName, timeoutMs));
  }

  /**
   * Connects and starts streaming from the slot's last acknowledged position. Resolves once the
   * server has accepted the replication command; rejects if it refused (no slot, no publication,
   * no REPLICATION privilege), with ReplicationSlotInvalidatedError (and the server's detail) when
   * PostgreSQL invalidated the slot.
   */
  async start(): Promise<void> {
    if (this.#service) throw new Error(`consumer of slot ${this.slotName} is already running`);
    this.#reset();
    const service = new LogicalReplicationService(this.#options.connection, {
      // Acknowledging is ours alone: the library's automatic and timed acknowledgements confirm
      // what was received, not what was handled, and would lose events on a crash.
      acknowledge: { auto: false, timeoutSeconds: 0 },
      flowControl: { enabled: false },
    });
    this.#service = service;
    this.#closed = new Promise<void>((resolve, reject) => (this.#settle = { resolve, reject }));
    // Nobody may be awaiting `closed` yet: keep an early failure from being an unhandled rejection.
    this.#closed.catch(() => undefined);
    service.on('data', (lsn: string, message: Pgoutput.Message) => this.#onMessage(message));
    service.on('heartbeat', (lsn: string, _time: number, shouldRespond: boolean) =>
      this.#onKeepalive(lsn, shouldRespond),
    );
    service.on('error', (error: Error) => void this.#fail(error));
    const plugin = new PgoutputPlugin({
      protoVersion: 1,
      publicationNames: [this.publicationName],
    });
    const started = new Promise<void>((resolve) => service.once('start', () => resolve()));
    // A new service per start, told where to resume explicitly: the library would otherwise resume
    // from the last LSN it *received*, skipping what was received but never handled.
    const streaming = service.subscribe(plugin, this.slotName, ZERO_LSN);
    streaming.then(
      () => void this.#endOfStream(),
      (error: unknown) => void this.#fail(error),
    );
    const refused = streaming.then(
      () => undefined,
      (error: unknown) => {
        throw asSlotInvalidated(this.slotName, error) ?? error;
      },
    );
    await Promise.race([started, refused, this.#closed]);
    if (this.#failure !== undefined) throw this.#failure;
  }

  /**
   * Stops streaming after the batch being handled (if any) is acknowledged. Transactions received
   * but not yet handled are redelivered by the next start.
   */
  async stop(): Promise<void> {
    if (!this.#service) return;
    this.#stopping = true;
    await this.#draining;
    await this.#shutdown();
    this.#settle?.resolve();
  }

  #reset(): void {
    this.#open = undefined;
    this.#ready = [];
    this.#readyEvents = 0;
    this.#paused = false;
    this.#draining = undefined;
    this.#stopping = false;
    this.#failure = undefined;
  }

  #onMessage(message: Pgoutput.Message): void {
    if (this.#stopping || this.#failure !== undefined) return;
    switch (message.tag) {
      case 'begin':
        this.#open = { xid: message.xid, commitLsn: message.commitLsn ?? ZERO_LSN, events: [] };
        return;
      case 'insert':
        if (this.#open && message.relation.name === this.#table) {
          this.#open.events.push(message.new as FeedEventRow);
        }
        return;
      case 'commit': {
        const open = this.#open;
        this.#open = undefined;
        if (!open || !message.commitEndLsn) return;
        this.#ready.push({
          xid: open.xid,
          commitLsn: normalLsn(message.commitLsn ?? open.commitLsn),
          commitEndLsn: normalLsn(message.commitEndLsn),
          commitTime: new Date(Number(message.commitTime.valueOf() / 1000n)),
          events: open.events.map(toFeedEvent),
        });
        this.#readyEvents += open.events.length;
        this.#applyBackpressure();
        this.#draining ??= this.#drain();
        return;
      }
      default:
        return;
    }
  }

  #onKeepalive(walEnd: string, shouldRespond: boolean): void {
    if (this.#stopping || this.#failure !== undefined) return;
    const idle = !this.#open && this.#ready.length === 0 && !this.#draining;
    // When everything received is handled, the server's sent position is safe to confirm: it
    // lets the slot release WAL while only other tables are being written.
    if (idle && (!this.#acknowledged || compareLsn(walEnd, this.#acknowledged) > 0)) {
      this.#acknowledge(walEnd);
    } else if (shouldRespond) {
      this.#acknowledge(this.#acknowledged ?? ZERO_LSN);
    }
  }

  async #drain(): Promise<void> {
    try {
      while (this.#ready.length > 0 && !this.#stopping && this.#failure === undefined) {
        const batch = this.#takeBatch();
        const withEvents = batch
          .filter((tx) => tx.events.length > 0)
          .map((tx) =>
            this.#options.upcast === false
              ? tx
              : { ...tx, events: upcastFeedEvents(tx.events, this.#upcasters) },
          );
        if (withEvents.length > 0) await this.#options.handler(withEvents);
        if (this.#failure !== undefined) return;
        this.#acknowledge(batch[batch.length - 1].commitEndLsn);
        this.#applyBackpressure();
      }
    } catch (error) {
      await this.#fail(error);
    } finally {
      this.#draining = undefined;
    }
  }

  #takeBatch(): ReplicatedTransaction[] {
    const batch: ReplicatedTransaction[] = [];
    let events = 0;
    while (this.#ready.length > 0) {
      const next = this.#ready[0];
      if (batch.length > 0 && events + next.events.length > this.#maxBatchEvents) break;
      batch.push(next);
      events += next.events.length;
      this.#ready.shift();
    }
    this.#readyEvents -= events;
    return batch;
  }

  /** Pauses the socket while too much is queued, so a slow handler holds WAL, not memory. */
  #applyBackpressure(): void {
    const stream = (this.#service as unknown as StreamHolder | undefined)?._connection?.stream;
    const high = this.#maxBatchEvents * 4;
    if (!this.#paused && this.#readyEvents > high) {
      this.#paused = true;
      stream?.pause?.();
    } else if (this.#paused && this.#readyEvents <= high / 2) {
      this.#paused = false;
      stream?.resume?.();
    }
  }

  #acknowledge(lsn: string): void {
    const value = parseLsn(lsn);
    if (value > 0n) {
      // The library reports `lsn + 1` as flushed (its convention for data-message LSNs). We
      // confirm exactly the commit's end: one byte further could skip a transaction whose commit
      // record starts right there when the slot is resumed.
      void this.#service?.acknowledge(formatLsn(value - 1n));
    }
    if (value > 0n && (!this.#acknowledged || compareLsn(lsn, this.#acknowledged) > 0)) {
      this.#acknowledged = formatLsn(value);
    }
  }

  async #fail(error: unknown): Promise<void> {
    if (this.#failure !== undefined || (this.#stopping && !this.#service)) return;
    if (this.#stopping && isConnectionEnd(error)) return;
    this.#failure =
      asSlotInvalidated(this.slotName, error) ??
      (error instanceof Error ? error : new Error(`replication stream failed: ${String(error)}`));
    await this.#shutdown();
    this.#settle?.reject(this.#failure);
  }

  async #endOfStream(): Promise<void> {
    if (this.#stopping || this.#failure !== undefined) return;
    await this.#fail(new Error(`replication stream of slot ${this.slotName} ended`));
  }

  async #shutdown(): Promise<void> {
    const service = this.#service;
    this.#service = undefined;
    if (service) await service.destroy().catch(() => undefined);
  }

  async #admin<T>(work: (db: Client) => Promise<T>): Promise<T> {
    const { replication: _ignored, ...config } = this.#options.connection as ClientConfig & {
      replication?: unknown;
    };
    const client = new Client(config);
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }
}

/** The library zero-pads LSNs; PostgreSQL prints (and compares as text) without padding. */
function normalLsn(lsn: string): string {
  return formatLsn(parseLsn(lsn));
}

function isConnectionEnd(error: unknown): boolean {
  return /Connection\s+terminated/i.test(String((error as Error | undefined)?.message ?? error));
}
