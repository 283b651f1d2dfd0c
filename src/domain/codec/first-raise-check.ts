import type { EventClass } from './event-class';
import { CheckCoverage } from './check-coverage';
import { decodeEvent } from './event-serializer';
import { plainToEvent } from './plain-to-event';
import { assertRoundTrips } from './round-trip-check';

const coverage = new CheckCoverage();
const NONE = new Set<string>();

/**
 * Decodes a raised event's JSON exactly as a load would and refuses the event
 * (`EventRoundTripError`) unless that gives back an equal instance with the same rules checked.
 * Each class is checked on its first raises in the process, until every one of its properties
 * has passed with a value (see {@link CheckCoverage}); from then on a raise costs one lookup.
 */
export function checkEventClass(event: object, eventType: string, json: string): void {
  const type = event.constructor as EventClass;
  if (coverage.settled(type)) return;
  const parsed = (): Record<string, unknown> => JSON.parse(json) as Record<string, unknown>;
  assertRoundTrips(
    `event "${eventType}"`,
    event,
    () => decodeEvent(type, eventType, parsed()),
    true,
    NONE,
    () => plainToEvent(type, parsed()),
  );
  coverage.passed(type, event, NONE);
}
