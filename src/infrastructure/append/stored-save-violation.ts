import { QueryFailedError } from 'typeorm';
import {
  COMMAND_KEY_CONSTRAINT,
  EVENT_ID_CONSTRAINT,
  isConstraintNamed,
  UNIQUE_VALUE_CONSTRAINT,
} from '../../migrations/schema-names';

/**
 * True when `error` says the save may already be stored: a unique violation (SQLSTATE 23505) of
 * the command keys' primary key (its command id is stored) or of the events' primary key (its
 * event ids are: the same instance saved again after a lost acknowledgement). Matched by
 * constraint name, as other unique violations mean something else.
 */
export function isStoredSaveViolation(error: unknown): boolean {
  const driverError = (error instanceof QueryFailedError ? error.driverError : error) as
    { code?: unknown; constraint?: unknown } | undefined;
  if (driverError?.code !== '23505') return false;
  return (
    driverError.constraint === COMMAND_KEY_CONSTRAINT ||
    isConstraintNamed(driverError.constraint, EVENT_ID_CONSTRAINT)
  );
}

/** True for a unique violation of the unique values' primary key: a claimed value is taken. */
export function isTakenValueViolation(error: unknown): boolean {
  const driverError = (error instanceof QueryFailedError ? error.driverError : error) as
    { code?: unknown; constraint?: unknown } | undefined;
  return driverError?.code === '23505' && driverError.constraint === UNIQUE_VALUE_CONSTRAINT;
}
