import { QueryFailedError } from 'typeorm';
import {
  EVENT_COMMAND_KEY_INDEX,
  EVENT_ID_CONSTRAINT,
  isConstraintNamed,
  UNIQUE_VALUE_CONSTRAINT,
} from '../../migrations/schema-names';

/**
 * True when `error` says the save may already be stored: a unique violation (SQLSTATE 23505) of
 * the events' command-key index (its command id is on an event row) or of their primary key (its
 * event ids are: the same instance saved again after a lost acknowledgement), matched by name as
 * other unique violations mean something else; or the NOT NULL violation (23502) on
 * `aggregate_type` that the append's check of the command keys table raises (its command id is
 * kept there).
 */
export function isStoredSaveViolation(error: unknown): boolean {
  const driverError = (error instanceof QueryFailedError ? error.driverError : error) as
    { code?: unknown; constraint?: unknown; column?: unknown } | undefined;
  if (driverError?.code === '23502') return driverError.column === 'aggregate_type';
  if (driverError?.code !== '23505') return false;
  return (
    isConstraintNamed(driverError.constraint, EVENT_COMMAND_KEY_INDEX) ||
    isConstraintNamed(driverError.constraint, EVENT_ID_CONSTRAINT)
  );
}

/** True for a unique violation of the unique values' primary key: a claimed value is taken. */
export function isTakenValueViolation(error: unknown): boolean {
  const driverError = (error instanceof QueryFailedError ? error.driverError : error) as
    { code?: unknown; constraint?: unknown } | undefined;
  return driverError?.code === '23505' && driverError.constraint === UNIQUE_VALUE_CONSTRAINT;
}
