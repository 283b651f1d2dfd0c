import { TesseraError } from './tessera-error';

/** `load()` found no event for this aggregate id. Use `find()` to get `null` instead. */
export class AggregateNotFoundError extends TesseraError {
  readonly code = 'TESSERA_AGGREGATE_NOT_FOUND';

  constructor(
    readonly aggregateType: string,
    readonly aggregateId: string,
  ) {
    super(`${aggregateType} ${aggregateId} does not exist`);
  }
}
