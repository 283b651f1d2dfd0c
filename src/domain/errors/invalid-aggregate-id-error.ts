import { TesseraError } from './tessera-error';

/** Aggregate ids are UUIDs (the `aggregate_id UUID` column); this one is not. */
export class InvalidAggregateIdError extends TesseraError {
  readonly code = 'TESSERA_INVALID_AGGREGATE_ID';

  constructor(readonly aggregateId: unknown) {
    super(`aggregate id must be a UUID string, got ${JSON.stringify(String(aggregateId))}`);
  }
}
