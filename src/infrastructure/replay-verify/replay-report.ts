/** A stream that no longer loads with today's code (see `verifyReplay`). */
export interface ReplayFailure {
  readonly aggregateId: string;
  readonly aggregateType: string;
  /** The stored version of the event that failed (0 when the aggregate could not be created). */
  readonly version: number;
  /** Its stored event type, when an event failed. */
  readonly eventType?: string;
  /**
   * Why: a Tessera error's `code` (`TESSERA_UNKNOWN_EVENT_TYPE`, `TESSERA_INVALID_EVENT`,
   * `TESSERA_UPCAST_FAILED`, `TESSERA_EVENT_DECODING`, `TESSERA_EVENT_FROM_NEWER_CODE`,
   * `TESSERA_CORRUPTED_STREAM`, ...), `UNKNOWN_AGGREGATE_TYPE` for a stream no class given
   * replays, `AGGREGATE_CONSTRUCTOR` when `new Type(id)` threw, `HANDLER_FAILED` when an
   * `@Apply` handler threw.
   */
  readonly code: string;
  readonly message: string;
}

/** Where a replay verification is, reported after each page. */
export interface ReplayProgress {
  /** Streams checked so far (failed ones included). */
  readonly streams: number;
  /** Events read so far. */
  readonly events: number;
  /** Streams that failed so far. */
  readonly failedStreams: number;
  /**
   * Rows of the events table by the planner's statistics (an estimate, for a progress bar; 0
   * before the table was first analysed). A sample or an aggregate type reads fewer.
   */
  readonly estimatedEvents: number;
}

/** What `verifyReplay` found. */
export interface ReplayReport extends ReplayProgress {
  /** True when every stream checked loads: what a CI job exits 0 for. */
  readonly ok: boolean;
  /** The failed streams, one entry each, up to `maxFailures` (`failedStreams` counts them all). */
  readonly failures: readonly ReplayFailure[];
  /** Wall time of the verification, in milliseconds. */
  readonly durationMs: number;
}
