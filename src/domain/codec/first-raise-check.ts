import type { EventClass } from './event-class';
import { decodeEvent } from './event-serializer';
import { plainToEvent } from './plain-to-event';
import { assertRoundTrips } from './round-trip-check';

const checked = new WeakSet<EventClass>();

/**
 * On the first raise of each event class in the process, decodes the event's JSON exactly as a
 * load would and refuses the event (`EventRoundTripError`) unless that gives back an equal
 * instance with the same rules checked; later raises of the class cost one set lookup. The check
 * runs with the values of that first raise: a property left undefined there is checked by type
 * inference alone.
 */
export function checkEventClassOnce(event: object, eventType: string, json: string): void {
  const type = event.constructor as EventClass;
  if (checked.has(type)) return;
  const parsed = (): Record<string, unknown> => JSON.parse(json) as Record<string, unknown>;
  assertRoundTrips(
    `event "${eventType}"`,
    event,
    () => decodeEvent(type, eventType, parsed()),
    true,
    undefined,
    () => plainToEvent(type, parsed()),
  );
  checked.add(type);
}
