import { validateSync, type ValidationError } from 'class-validator';
import {
  InvalidEventError,
  type EventViolation,
  type StoredEventLocation,
} from './errors/invalid-event-error';

const OPTIONS = { forbidUnknownValues: false, validationError: { target: false, value: false } };

/**
 * Runs the event's class-validator constraints (nested ones too, with `@ValidateNested()`) and
 * throws {@link InvalidEventError} listing every failure with its property path.
 */
export function assertValidEvent(
  event: object,
  eventType: string,
  location?: StoredEventLocation,
): void {
  const errors = validateSync(event, OPTIONS);
  if (errors.length > 0) throw new InvalidEventError(eventType, flatten(errors, ''), location);
}

function flatten(errors: readonly ValidationError[], prefix: string): EventViolation[] {
  const out: EventViolation[] = [];
  for (const error of errors) {
    const property = prefix ? `${prefix}.${error.property}` : error.property;
    if (error.constraints && Object.keys(error.constraints).length > 0) {
      out.push({ property, constraints: { ...error.constraints } });
    }
    if (error.children && error.children.length > 0) out.push(...flatten(error.children, property));
  }
  return out;
}
