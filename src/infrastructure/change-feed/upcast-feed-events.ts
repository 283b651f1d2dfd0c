import type { UpcasterRegistry } from '../../domain/codec/upcaster-registry';
import type { FeedEvent } from './feed-event';

/**
 * The feed events as today's code reads them: each event not at its class's schema version is
 * run through its upcaster chain, so a renamed event arrives under its new type and a split one
 * as several events (sharing the row's id, position and transaction id, in order), each with
 * `metadata.schemaVersion` set to the version its payload now has. Events of types no class and
 * no chain knows (another service's) pass unchanged, for consumers to skip; one written by newer
 * code throws `EventFromNewerCodeError`. With `eventTypes`, only results of those types are kept.
 * Events already current are returned as they are, without a copy.
 */
export function upcastFeedEvents(
  events: readonly FeedEvent[],
  upcasters: UpcasterRegistry,
  eventTypes?: readonly string[],
): FeedEvent[] {
  const result: FeedEvent[] = [];
  for (const event of events) {
    const schemaVersion = (event.metadata as { schemaVersion?: unknown } | null)?.schemaVersion;
    if (upcasters.isCurrent(event.eventType, schemaVersion) || !upcasters.knows(event.eventType)) {
      if (eventTypes === undefined || eventTypes.includes(event.eventType)) result.push(event);
      continue;
    }
    const parts = upcasters.upcast(event.eventType, schemaVersion, event.payload, {
      aggregateId: event.aggregateId,
      aggregateType: event.aggregateType,
      version: event.version,
    });
    for (const part of parts) {
      if (eventTypes !== undefined && !eventTypes.includes(part.type)) continue;
      result.push({
        ...event,
        eventType: part.type,
        payload: part.payload,
        metadata: { ...event.metadata, schemaVersion: part.version },
      });
    }
  }
  return result;
}
