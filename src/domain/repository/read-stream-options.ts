/**
 * Options of `readStream()`: a part of a stream. The range is inclusive and the same in both
 * directions; `maxCount` takes the first events in the direction read.
 *
 * @example
 * ```ts
 * const lastTen = await repository.readStream(id, { direction: 'backwards', maxCount: 10 });
 * ```
 */
export interface ReadStreamOptions {
  /** The first version read (inclusive). Default 1. */
  readonly fromVersion?: number;
  /** The last version read (inclusive). Default: the stream's last. */
  readonly toVersion?: number;
  /** At most this many events (a positive integer). Default: all of the range. */
  readonly maxCount?: number;
  /** `forwards` (oldest first, the default) or `backwards` (newest first). */
  readonly direction?: 'forwards' | 'backwards';
}

/** A checked {@link ReadStreamOptions}, with its defaults. */
export interface StreamRange {
  readonly fromVersion: number;
  readonly toVersion: number;
  readonly maxCount: number;
  readonly backwards: boolean;
}

const MAX_VERSION = 2 ** 31 - 1;

/** Checks readStream options; throws `TypeError` for a bound that is not a positive integer. */
export function streamRange(options: ReadStreamOptions = {}): StreamRange {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('readStream options must be an object');
  }
  const bound = (name: string, value: number | undefined, fallback: number): number => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value < 1 || value > MAX_VERSION) {
      throw new TypeError(`${name} must be a positive integer, got ${String(value)}`);
    }
    return value;
  };
  const { direction } = options;
  if (direction !== undefined && direction !== 'forwards' && direction !== 'backwards') {
    throw new TypeError(`direction must be 'forwards' or 'backwards', got ${String(direction)}`);
  }
  return {
    fromVersion: bound('fromVersion', options.fromVersion, 1),
    toVersion: bound('toVersion', options.toVersion, MAX_VERSION),
    maxCount: bound('maxCount', options.maxCount, MAX_VERSION),
    backwards: direction === 'backwards',
  };
}
