import { QueryFailedError } from 'typeorm';
import { AGGREGATE_VERSION_CONSTRAINT, isConstraintNamed } from '../../migrations/schema-names';

/** The driver error behind a failed query, whether it came through TypeORM or pg directly. */
interface PgError {
  readonly code?: string;
  readonly constraint?: string;
  readonly column?: string;
  readonly detail?: string;
}

/**
 * If `error` is a version conflict, returns the aggregate id it names (or '' when unknown);
 * otherwise undefined. A conflict is either a unique violation (SQLSTATE 23505) of the
 * `(aggregate_id, version)` constraint: another writer was first; or the NOT NULL violation
 * (23502) on `version` that the append statement's gap guard raises: the stream is shorter than
 * the aggregate's version. Other violations (a duplicate event id, say) are not conflicts.
 */
export function versionConflictAggregateId(error: unknown): string | undefined {
  const driverError: PgError | undefined =
    error instanceof QueryFailedError ? (error.driverError as PgError) : (error as PgError);
  if (driverError?.code === '23502' && driverError.column === 'version') return '';
  if (!driverError || driverError.code !== '23505') return undefined;
  if (!isConstraintNamed(driverError.constraint, AGGREGATE_VERSION_CONSTRAINT)) return undefined;
  const match = /=\(([0-9a-f-]{36}),/i.exec(driverError.detail ?? '');
  return match ? match[1].toLowerCase() : '';
}
