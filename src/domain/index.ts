export * from './errors';
export { AggregateRoot, type AggregateClass } from './model/aggregate-root';
export { Aggregate, aggregateTypeName, type AggregateOptions } from './model/aggregate.decorator';
export { DomainEvent, type DomainEventOptions } from './codec/domain-event.decorator';
export { Apply } from './model/apply.decorator';
export type { EventClass } from './codec/event-class';
export { BigIntProperty } from './codec/bigint-property.decorator';
export { registerUpcaster, assertUpcastersComplete } from './codec/register-upcaster';
export { UpcasterRegistry, upcasters } from './codec/upcaster-registry';
export type {
  Upcaster,
  PayloadUpcaster,
  EventUpcaster,
  UpcastedEvent,
  UpcastContext,
} from './codec/upcaster';
export {
  EventSerializer,
  type EventSerializerOptions,
  type SerializedEvent,
} from './codec/event-serializer';
export type {
  EventMetadata,
  EventMetadataOptions,
  EventRaiseMetadata,
  JsonValue,
  UncommittedEvent,
  StoredEvent,
  EventEnvelope,
} from './model/event-envelope';
export type {
  AggregateRepository,
  SaveOptions,
  UniqueValue,
  UnchangedAggregate,
  UpdateOptions,
} from './repository/aggregate-repository';
export type { LoadOptions } from './repository/load-options';
export type { ReadStreamOptions } from './repository/read-stream-options';
export { retryOnConflict, type RetryOptions } from './repository/retry-on-conflict';
export type { SaveResult, SavedStream } from './repository/save-result';
export { PersonalData } from './personal-data/personal-data.decorator';
export { DataSubject } from './personal-data/data-subject.decorator';
export { DataSubjectOf } from './personal-data/data-subject-of.decorator';
export { FORGOTTEN_VALUE } from './personal-data/forgotten-value';
