import { TesseraError } from './tessera-error';

/** An event instance whose class was never decorated with `@DomainEvent`. */
export class UnregisteredEventError extends TesseraError {
  readonly code = 'TESSERA_UNREGISTERED_EVENT';

  constructor(readonly className: string) {
    super(
      `${className} is not a registered domain event: decorate it with @DomainEvent('StableName')`,
    );
  }
}
