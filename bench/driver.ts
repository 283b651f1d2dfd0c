/**
 * What every contender implements, so each workload is written once. A handle is whatever the
 * contender keeps to append to a stream without reading it first (tessera: the aggregate
 * instance; raw and emmett: the stream id and its version).
 */
export interface Driver<H> {
  /** Opens a new account with `events` events (an AccountOpened, then deposits) in one append. */
  openAccount(events: number): Promise<H>;
  /** Appends one deposit to a stream whose version the handle knows. */
  deposit(handle: H): Promise<void>;
  /** Appends `count` new accounts of one event each, in one atomic append where the store can. */
  openAccounts(count: number): Promise<void>;
  /** Rehydrates the account: reads the whole stream and folds it. Returns its balance. */
  load(handle: H): Promise<number>;
  /**
   * One of several writers racing on the same stream: load, deposit 1, append at the next
   * version, retry on a version conflict, until the stream holds `until` events.
   * Returns how many conflicts this writer retried.
   */
  race(handle: H, until: number): Promise<number>;
  /** Untimed set-up: a stream of `events` events written the fastest way the store allows. */
  prefill(events: number): Promise<H>;
  /** Every version stored for the stream, in order, to check a race left no gap or duplicate. */
  versions(handle: H): Promise<number[]>;
  /** Closes the contender's pool. */
  close(): Promise<void>;
}
