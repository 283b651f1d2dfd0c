import type { ChangeFeedListener } from './change-feed-listener';
import type { FeedCheckpoint } from './feed-checkpoint';
import type { FeedPage, OrderedEventReader } from './ordered-event-reader';

/** Options of {@link OrderedFeedSubscription}. */
export interface OrderedFeedSubscriptionOptions {
  readonly reader: OrderedEventReader;
  /**
   * Where to start: a checkpoint, or a function that loads it (called at start and again after
   * every failure, so a handler that persists its checkpoint resumes from what it committed).
   */
  readonly from: FeedCheckpoint | (() => Promise<FeedCheckpoint>);
  /** Handles one non-empty page; the subscription moves past it only once this resolves. */
  readonly handler: (page: FeedPage) => Promise<void>;
  /** Events per page. Default 500. */
  readonly batchSize?: number;
  readonly aggregateTypes?: readonly string[];
  readonly eventTypes?: readonly string[];
  /** Longest wait between two reads while idle. Default 1000 ms. */
  readonly pollIntervalMs?: number;
  /** Wakes the subscription early when writers NOTIFY. Optional: polling alone is correct. */
  readonly listener?: ChangeFeedListener;
  /** Told about a failed read or handler; the subscription waits a poll interval and retries. */
  readonly onError?: (error: unknown) => void;
  /**
   * Asked after each idle wait (only when `from` is a function): true when the stored checkpoint
   * moved (a rebuild reset it), so the subscription reloads it from `from` before reading on.
   */
  readonly checkpointMoved?: (current: FeedCheckpoint) => Promise<boolean>;
}

/**
 * Delivers the ordered feed page by page to a handler, for as long as it runs: reads until
 * caught up, then sleeps until a notification or the poll interval, whichever comes first.
 * Delivery is at-least-once: a failed handler gets the same page again.
 */
export class OrderedFeedSubscription {
  readonly #options: OrderedFeedSubscriptionOptions;
  readonly #pollIntervalMs: number;
  #checkpoint: FeedCheckpoint | undefined;
  #running = false;
  #loop: Promise<void> | undefined;
  #woken = false;
  #wakeUp: (() => void) | undefined;
  #unsubscribe: (() => void) | undefined;
  #caughtUp = false;
  #reads = 0;

  constructor(options: OrderedFeedSubscriptionOptions) {
    const poll = options.pollIntervalMs ?? 1000;
    if (!Number.isFinite(poll) || poll < 1) {
      throw new TypeError(`pollIntervalMs must be at least 1, got ${poll}`);
    }
    this.#options = options;
    this.#pollIntervalMs = poll;
  }

  /** The checkpoint after the last handled page (undefined before the first read). */
  get checkpoint(): FeedCheckpoint | undefined {
    return this.#checkpoint;
  }

  /** Number of reads made so far (each page and each empty poll is one). */
  get reads(): number {
    return this.#reads;
  }

  /** True once a read has found nothing new since the last handled page. */
  get caughtUp(): boolean {
    return this.#caughtUp;
  }

  /** Starts delivering in the background. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#unsubscribe = this.#options.listener?.onWake(() => this.wake());
    this.#loop = this.#run();
  }

  /** Stops after the page being handled, if any. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#unsubscribe?.();
    this.#wakeUp?.();
    await this.#loop;
  }

  /** Reads again now instead of at the end of the poll interval. */
  wake(): void {
    this.#woken = true;
    this.#wakeUp?.();
  }

  async #run(): Promise<void> {
    let needsCheckpoint = true;
    while (this.#running) {
      try {
        const { checkpointMoved } = this.#options;
        if (!needsCheckpoint && this.#caughtUp && checkpointMoved) {
          needsCheckpoint = await checkpointMoved(this.#checkpoint as FeedCheckpoint);
        }
        if (needsCheckpoint) {
          const { from } = this.#options;
          this.#checkpoint = typeof from === 'function' ? await from() : from;
          needsCheckpoint = false;
        }
        this.#woken = false;
        this.#reads += 1;
        const page = await this.#options.reader.readPage(this.#checkpoint as FeedCheckpoint, {
          limit: this.#options.batchSize,
          aggregateTypes: this.#options.aggregateTypes,
          eventTypes: this.#options.eventTypes,
        });
        if (page.events.length > 0) {
          if (!this.#running) return;
          await this.#options.handler(page);
          this.#checkpoint = page.checkpoint;
        }
        this.#caughtUp = !page.hasMore;
        if (!page.hasMore) await this.#sleep();
      } catch (error) {
        this.#options.onError?.(error);
        needsCheckpoint = typeof this.#options.from === 'function';
        await this.#sleep();
      }
    }
  }

  #sleep(): Promise<void> {
    if (this.#woken || !this.#running) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.#pollIntervalMs);
      this.#wakeUp = done;
    });
  }
}
