/**
 * Tessera: event sourcing for TypeScript on PostgreSQL.
 *
 * - `src/domain`: aggregates, events, decorators, serialization, errors (no database).
 * - `src/infrastructure`: the TypeORM/PostgreSQL event repository and data source.
 * - `src/migrations`: the schema, as TypeORM migrations for your own DataSource.
 * The testing kit is exported from `tessera/testing`.
 * @packageDocumentation
 */
import 'reflect-metadata';

export * from './domain';
export {
  EventRepository,
  type EventRepositoryOptions,
  type EventSaveOptions,
} from './infrastructure/event-repository';
export {
  createTesseraDataSource,
  type TesseraDataSourceOptions,
} from './infrastructure/tessera-data-source';
export { AGGREGATE_VERSION_CONSTRAINT, EVENTS_TABLE } from './infrastructure/schema-names';
export { TESSERA_MIGRATIONS, CreateEventsTable1732500000000 } from './migrations';
