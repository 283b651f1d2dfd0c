import { TesseraError } from './tessera-error';

/** One aggregate of a save and the versions its events have (or were to have). */
export interface SavedStream {
  readonly aggregateId: string;
  readonly aggregateType: string;
  readonly firstVersion: number;
  readonly lastVersion: number;
}

/**
 * The connection was lost while a save was in flight: its events may or may not be stored (a
 * lost acknowledgement after a commit looks exactly like a failure before it). Resolve it by
 * saving again with the same command id, or the same aggregate instance: a save whose events are
 * already stored is answered as a replay and writes nothing, one that is not is written now.
 * Never rerun the command on a freshly loaded aggregate without a command id: that could apply
 * its effect twice.
 */
export class OutcomeUnknownError extends TesseraError {
  readonly code = 'TESSERA_OUTCOME_UNKNOWN';
  /** The first aggregate of the save (its streams are sorted by id). */
  readonly aggregateId: string;
  readonly aggregateType: string;

  constructor(
    /** Every aggregate of the save, with the versions it tried to write. */
    readonly streams: readonly SavedStream[],
    /**
     * The key the save carried: the caller's `commandId`, or when there was none the implicit
     * key, the id of the save's first event (stored as that event's row id).
     */
    readonly commandId: string,
    /** True when {@link commandId} is the implicit key (retry with the same instance). */
    readonly implicitKey: boolean,
    options?: { cause?: unknown },
  ) {
    const [first] = streams;
    super(
      `the connection was lost while saving ${first.aggregateType} ${first.aggregateId} ` +
        `(versions ${first.firstVersion}-${first.lastVersion}${streams.length > 1 ? ` and ${streams.length - 1} more aggregates` : ''}); ` +
        'whether it was written is unknown: save again with the same ' +
        (implicitKey ? 'aggregate instance' : `commandId ${JSON.stringify(commandId)}`) +
        ' to resolve it',
      options,
    );
    this.aggregateId = first.aggregateId;
    this.aggregateType = first.aggregateType;
  }
}
