/**
 * Tessera: event sourcing for TypeScript on PostgreSQL.
 *
 * - `src/domain`: aggregates, events, decorators, serialization, errors (no database).
 * - `src/infrastructure`: the TypeORM/PostgreSQL event repository and data source.
 * - `src/migrations`: the schema, as TypeORM migrations for your own DataSource.
 * The testing kit is exported from `tessera-es/testing`.
 * @packageDocumentation
 */
import 'reflect-metadata';

export * from './domain';
export {
  EventRepository,
  type EventRepositoryOptions,
  type EventSaveOptions,
} from './infrastructure/event-store/event-repository';
export {
  createTesseraDataSource,
  type TesseraDataSourceOptions,
} from './infrastructure/session/tessera-data-source';
export {
  AGGREGATE_VERSION_CONSTRAINT,
  COMMAND_KEYS_TABLE,
  EVENTS_ARCHIVE_TABLE,
  EVENTS_TABLE,
  UNIQUE_VALUES_TABLE,
} from './migrations/schema-names';
export {
  TESSERA_MIGRATIONS,
  CreateEventsTable1732500000000,
  CreateSnapshots1732500001000,
  AppendOnlyEvents1732500002000,
  CreatePublication1732500003000,
  CreateProjectionCheckpoints1732500004000,
  OneStreamIndex1732500005000,
  CreateCommandKeys1732500006000,
  CreateUniqueValues1732500007000,
  CreateEventsArchive1732500030000,
} from './migrations';
export { CDC_ROLE } from './migrations/1732500003000-CreatePublication';
export {
  Projection,
  type ProjectionHandler,
  type ProjectionOptions,
} from './domain/projection/projection';
export type { ProjectionEnvelope } from './domain/projection/projection-envelope';
export {
  FEED_START,
  compareFeedCheckpoints,
  type FeedCheckpoint,
} from './infrastructure/change-feed/feed-checkpoint';
export type { FeedEvent } from './infrastructure/change-feed/feed-event';
export {
  OrderedEventReader,
  type OrderedEventReaderOptions,
  type FeedPage,
  type FeedPageRequest,
} from './infrastructure/change-feed/ordered-event-reader';
export {
  OrderedFeedSubscription,
  type OrderedFeedSubscriptionOptions,
} from './infrastructure/change-feed/ordered-feed-subscription';
export {
  ChangeFeedListener,
  type ChangeFeedListenerOptions,
} from './infrastructure/change-feed/change-feed-listener';
export {
  ChangeFeedNotifier,
  type ChangeFeedNotifierOptions,
} from './infrastructure/change-feed/change-feed-notifier';
export { CHANGE_FEED_CHANNEL, EVENTS_PUBLICATION } from './migrations/schema-names';
export {
  LogicalReplicationConsumer,
  type LogicalReplicationConsumerOptions,
  type ReplicationHandler,
} from './infrastructure/change-feed/logical-replication-consumer';
export type { ReplicatedTransaction } from './infrastructure/change-feed/replicated-transaction';
export {
  createReplicationSlot,
  dropReplicationSlot,
  replicationSlotStatus,
  type ReplicationSlotStatus,
} from './infrastructure/change-feed/replication-slot';
export { ReplicationSlotInUseError } from './infrastructure/change-feed/replication-slot-in-use-error';
export type { ProjectionContext } from './infrastructure/projections/projection-context';
export {
  InlineProjector,
  type InlineProjectorOptions,
} from './infrastructure/projections/inline-projector';
export {
  OrderedProjectionRunner,
  type OrderedProjectionRunnerOptions,
} from './infrastructure/projections/ordered-projection-runner';
export {
  ReplicationProjectionRunner,
  type ReplicationProjectionRunnerOptions,
} from './infrastructure/projections/replication-projection-runner';
export { rebuildProjection } from './infrastructure/projections/rebuild-projection';
export { PROJECTION_CHECKPOINTS_TABLE } from './migrations/schema-names';
export type { ProjectionCheckpoint } from './infrastructure/projections/projection-checkpoint-store';
export { ProjectionCheckpointMovedError } from './infrastructure/projections/projection-checkpoint-moved-error';
export { ReplicationSlotLostError } from './infrastructure/projections/replication-slot-lost-error';
