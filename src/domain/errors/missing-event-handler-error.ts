import { TesseraError } from './tessera-error';

/** An aggregate raised or replayed an event for which it has no `@Apply` handler. */
export class MissingEventHandlerError extends TesseraError {
  readonly code = 'TESSERA_MISSING_EVENT_HANDLER';

  constructor(
    readonly aggregateType: string,
    readonly eventType: string,
  ) {
    super(
      `${aggregateType} has no handler for ${eventType}: add a method decorated with @Apply(${eventType})`,
    );
  }
}
