/**
 * Options of `load()` and `tryLoad()`: a point in the aggregate's past to rebuild instead of its
 * latest state. The state is folded from the first event (a snapshot, possibly taken later, is
 * never used); both bounds together give the earlier of the two states.
 */
export interface LoadOptions {
  /** The state right after this version (a positive integer): events after it are not read. */
  readonly asOfVersion?: number;
  /**
   * The state at this instant: the events up to the first one stored (`created_at`, compared
   * to the millisecond) after it.
   */
  readonly asOf?: Date;
}

/** A checked {@link LoadOptions}: undefined when it asks for the latest state. */
export interface PointInTime {
  readonly asOfVersion?: number;
  readonly asOf?: Date;
}

/** Checks load options; throws `TypeError` for a bound that is not a positive integer or a valid Date. */
export function pointInTime(options: LoadOptions | undefined): PointInTime | undefined {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== 'object') {
    throw new TypeError('load options must be an object');
  }
  const { asOfVersion, asOf } = options;
  if (asOfVersion === undefined && asOf === undefined) return undefined;
  if (asOfVersion !== undefined && (!Number.isInteger(asOfVersion) || asOfVersion < 1)) {
    throw new TypeError(`asOfVersion must be a positive integer, got ${String(asOfVersion)}`);
  }
  if (asOf !== undefined && (!(asOf instanceof Date) || Number.isNaN(asOf.getTime()))) {
    throw new TypeError(`asOf must be a valid Date, got ${String(asOf)}`);
  }
  return { asOfVersion, asOf };
}
