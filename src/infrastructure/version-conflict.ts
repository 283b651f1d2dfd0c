import { QueryFailedError } from 'typeorm';
import { AGGREGATE_VERSION_CONSTRAINT } from './schema-names';

/** The driver error behind a failed query, whether it came through TypeORM or pg directly. */
interface PgError {
  readonly code?: string;
  readonly constraint?: string;
  readonly detail?: string;
}

/**
 * If `error` is a unique violation (SQLSTATE 23505) of the `(aggregate_id, version)` constraint,
 * returns the aggregate id named in its detail (or '' when the detail is not available); otherwise
 * undefined. Other unique violations (a duplicate event id, say) are not concurrency conflicts.
 */
export function versionConflictAggregateId(error: unknown): string | undefined {
  const driverError: PgError | undefined =
    error instanceof QueryFailedError ? (error.driverError as PgError) : (error as PgError);
  if (!driverError || driverError.code !== '23505') return undefined;
  if (driverError.constraint !== AGGREGATE_VERSION_CONSTRAINT) return undefined;
  const match = /=\(([0-9a-f-]{36}),/i.exec(driverError.detail ?? '');
  return match ? match[1].toLowerCase() : '';
}
