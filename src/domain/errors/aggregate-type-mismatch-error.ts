import { TesseraError } from './tessera-error';

/** The stream stored under this id belongs to another aggregate type than the one requested. */
export class AggregateTypeMismatchError extends TesseraError {
  readonly code = 'TESSERA_AGGREGATE_TYPE_MISMATCH';

  constructor(
    readonly aggregateId: string,
    readonly requestedType: string,
    readonly storedType: string,
  ) {
    super(
      `aggregate ${aggregateId} is a ${storedType}, not a ${requestedType}: load it with the ${storedType} class`,
    );
  }
}
