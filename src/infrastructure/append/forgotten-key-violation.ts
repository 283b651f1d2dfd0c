import { QueryFailedError } from 'typeorm';

/**
 * True when `error` is the NOT NULL violation on `payload` that an append's keys guard raises:
 * a data key the save sealed with (taken from the cache) no longer exists, `forget` destroyed it.
 */
export function isForgottenKeyViolation(error: unknown): boolean {
  const driverError = (error instanceof QueryFailedError ? error.driverError : error) as
    { code?: unknown; column?: unknown } | undefined;
  return driverError?.code === '23502' && driverError.column === 'payload';
}
