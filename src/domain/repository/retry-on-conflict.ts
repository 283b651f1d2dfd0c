import { ConcurrencyError } from '../errors/concurrency-error';

/** How `update()` retries after a `ConcurrencyError`. */
export interface RetryOptions {
  /** Retries after the first attempt. Default 10; 0 means a single attempt. */
  readonly retries?: number;
  /** Upper bound of the first backoff, in ms; doubles per retry. Default 2. */
  readonly baseDelayMs?: number;
  /** Cap of the backoff, in ms. Default 100. */
  readonly maxDelayMs?: number;
}

/**
 * Runs `attempt` until it succeeds, retrying only on {@link ConcurrencyError} with full-jitter
 * exponential backoff (a random delay in [0, min(max, base * 2^n)]), so racing writers spread out
 * instead of colliding again. After the last retry the ConcurrencyError reaches the caller; any
 * other error (and a conflict on an aggregate the save only required unchanged) immediately.
 */
export async function retryOnConflict<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const retries = options.retries ?? 10;
  const base = options.baseDelayMs ?? 2;
  const max = options.maxDelayMs ?? 100;
  for (const [name, value] of [
    ['retries', retries],
    ['baseDelayMs', base],
    ['maxDelayMs', max],
  ] as const) {
    if (!Number.isInteger(value) || value < 0) {
      throw new TypeError(`${name} must be a non-negative integer, got ${value}`);
    }
  }
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || error.byCondition || n >= retries) throw error;
      const ceiling = Math.min(max, base * 2 ** n);
      if (ceiling > 0) await new Promise((r) => setTimeout(r, Math.random() * ceiling));
    }
  }
}
