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
  verifyReplay,
  type VerifyReplayOptions,
} from './infrastructure/replay-verify/verify-replay';
export type {
  ReplayFailure,
  ReplayProgress,
  ReplayReport,
} from './infrastructure/replay-verify/replay-report';
export {
  EventRepository,
  type EventRepositoryOptions,
  type EventSaveOptions,
} from './infrastructure/event-store/event-repository';
export {
  createTesseraDataSource,
  type TesseraDataSourceOptions,
  type PoolingMode,
} from './infrastructure/session/tessera-data-source';
export { StatementTimeoutNotInForceError } from './infrastructure/session/statement-timeout-not-in-force-error';
export { DirectConnectionRequiredError } from './infrastructure/session/direct-connection-required-error';
export {
  AGGREGATE_VERSION_CONSTRAINT,
  COMMAND_KEYS_TABLE,
  EVENTS_ARCHIVE_TABLE,
  EVENTS_TABLE,
  UNIQUE_VALUES_TABLE,
  PERSONAL_DATA_KEYS_TABLE,
} from './migrations/schema-names';
export type { MasterKeyProvider } from './infrastructure/personal-data/master-key-provider';
export {
  EnvironmentMasterKey,
  type EnvironmentMasterKeyOptions,
} from './infrastructure/personal-data/environment-master-key';
export type { PersonalDataOptions } from './infrastructure/personal-data/personal-data-options';
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
  CreateProjectionLeases1732500020000,
  CreateEventsArchive1732500030000,
  CreatePersonalDataKeys1732500040000,
  LeanArchivedStreamGuard1732500050000,
  CommandKeysOnEvents1732500060000,
  CommandKeyIndex1732500061000,
  RoleGrants1732500062000,
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
  recreateInvalidatedSlot,
  replicationSlotStatus,
  type ReplicationSlotStatus,
} from './infrastructure/change-feed/replication-slot';
export { ReplicationSlotInvalidatedError } from './infrastructure/change-feed/replication-slot-invalidated-error';
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
export { ProjectionLeadershipLostError } from './infrastructure/projections/projection-leadership-lost-error';
export { ReplicationSlotLostError } from './infrastructure/projections/replication-slot-lost-error';
export { checkHealth, type CheckHealthOptions } from './infrastructure/health/check-health';
export type {
  HealthCheck,
  HealthReport,
  HealthStatus,
} from './infrastructure/health/health-report';
export {
  DEFAULT_HEALTH_THRESHOLDS,
  type HealthLimits,
  type HealthThresholds,
} from './infrastructure/health/health-thresholds';
export { replicaLag, type ReplicaLag } from './infrastructure/replicas/replica-lag';
export { writePosition } from './infrastructure/replicas/write-position';
export {
  waitForReplay,
  type WaitForReplayOptions,
} from './infrastructure/replicas/wait-for-replay';
export { ReplicaBehindError } from './infrastructure/replicas/replica-behind-error';
