export * from './errors';
export { AggregateRoot, type AggregateClass } from './aggregate-root';
export {
  Aggregate,
  aggregateTypeName,
  snapshotPolicyOf,
  type AggregateOptions,
  type SnapshotPolicy,
} from './metadata/aggregate.decorator';
export { DomainEvent, type DomainEventOptions } from './metadata/domain-event.decorator';
export { Apply } from './metadata/apply.decorator';
export { EventRegistry, eventRegistry, type EventTypeInfo } from './metadata/event-registry';
export type { EventClass } from './metadata/event-class';
export { BigIntProperty } from './bigint-property.decorator';
export {
  EventSerializer,
  type EventSerializerOptions,
  type SerializedEvent,
} from './event-serializer';
export { assertValidEvent } from './event-validator';
export type {
  EventMetadata,
  EventMetadataOptions,
  UncommittedEvent,
  StoredEvent,
  EventEnvelope,
} from './event-envelope';
export type { AggregateRepository, SaveOptions, UpdateOptions } from './aggregate-repository';
export { retryOnConflict, type RetryOptions } from './retry-on-conflict';
export { Rehydrator, rehydrate } from './rehydrator';
export { StreamDecoder, type FoldableEvent } from './stream-decoder';
export { isUuid } from './uuid';
