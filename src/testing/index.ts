/**
 * Tessera's testing kit: everything needed to unit-test a domain without a database.
 * @packageDocumentation
 */
// First, so that a test file may import the kit before anything else: every decorated class
// loaded after this (the kit's own and the application's) gets its design-time types recorded.
import 'reflect-metadata';

export {
  InMemoryEventRepository,
  type InMemoryEventRepositoryOptions,
  type RawStoredEvent,
} from './in-memory-event-repository';
export { AggregateTestFixture } from './aggregate-test-fixture';
export { aggregateRepositoryContract } from './contract/aggregate-repository-contract';
export type { ContractTestRunner } from './contract/contract-test-runner';
export { personalDataContract } from './contract/personal-data-contract';
