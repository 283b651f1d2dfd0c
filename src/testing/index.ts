/**
 * Tessera's testing kit: everything needed to unit-test a domain without a database.
 * @packageDocumentation
 */
export {
  InMemoryEventRepository,
  type InMemoryEventRepositoryOptions,
} from './in-memory-event-repository';
export { AggregateTestFixture } from './aggregate-test-fixture';
export { aggregateRepositoryContract } from './contract/aggregate-repository-contract';
