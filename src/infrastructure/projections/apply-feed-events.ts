import type { EventSerializer } from '../../domain/codec/event-serializer';
import type { Projection } from '../../domain/projection/projection';
import type { ProjectionEnvelope } from '../../domain/projection/projection-envelope';
import type { FeedEvent } from '../change-feed/feed-event';

/**
 * Turns a feed event into what a projection handler receives: the payload deserialized (and
 * validated) into its event class, with the envelope around it.
 */
export function toProjectionEnvelope(
  event: FeedEvent,
  serializer: EventSerializer,
): ProjectionEnvelope {
  const instance = serializer.deserialize(event.eventType, event.payload, {
    aggregateId: event.aggregateId,
    aggregateType: event.aggregateType,
    version: event.version,
  });
  return {
    eventId: event.eventId,
    aggregateId: event.aggregateId,
    aggregateType: event.aggregateType,
    eventType: event.eventType,
    version: event.version,
    event: instance,
    metadata: event.metadata,
    position: event.position,
    transactionId: event.transactionId,
    createdAt: event.createdAt,
  };
}

/**
 * Applies feed events to a projection in order. Events it has no handler for are skipped before
 * deserialization, so unknown event types of other services never stop it.
 */
export async function applyFeedEvents<C>(
  projection: Projection<C>,
  events: readonly FeedEvent[],
  serializer: EventSerializer,
  context: C,
): Promise<number> {
  let applied = 0;
  for (const event of events) {
    if (!projection.handles(event.eventType, event.aggregateType)) continue;
    await projection.apply(toProjectionEnvelope(event, serializer), context);
    applied += 1;
  }
  return applied;
}
