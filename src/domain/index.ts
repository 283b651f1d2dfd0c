export * from './errors';
export { AggregateRoot, type AggregateClass } from './model/aggregate-root';
export {
  Aggregate,
  aggregateTypeName,
  snapshotPolicyOf,
  type AggregateOptions,
  type SnapshotPolicy,
} from './model/aggregate.decorator';
export { DomainEvent, type DomainEventOptions } from './codec/domain-event.decorator';
export { Apply } from './model/apply.decorator';
export { EventRegistry, eventRegistry, type EventTypeInfo } from './codec/event-registry';
export type { EventClass } from './codec/event-class';
export { BigIntProperty } from './codec/bigint-property.decorator';
export {
  EventSerializer,
  type EventSerializerOptions,
  type SerializedEvent,
} from './codec/event-serializer';
export { assertValidEvent } from './codec/event-validator';
export type {
  EventMetadata,
  EventMetadataOptions,
  UncommittedEvent,
  StoredEvent,
  EventEnvelope,
} from './model/event-envelope';
export type {
  AggregateRepository,
  SaveOptions,
  UpdateOptions,
} from './repository/aggregate-repository';
export { retryOnConflict, type RetryOptions } from './repository/retry-on-conflict';
export { Rehydrator, rehydrate } from './repository/rehydrator';
export { StreamDecoder, type FoldableEvent } from './repository/stream-decoder';
export { isUuid } from './model/uuid';
