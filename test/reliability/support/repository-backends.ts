import type { DataSource } from 'typeorm';
import { EventRepository, EventSerializer, type AggregateRepository } from '../../../src';
import { InMemoryEventRepository } from '../../../src/testing';

/** One of the two repositories, with a way to count every event it holds. */
export interface RepositoryUnderTest {
  readonly repository: AggregateRepository;
  /** Every stored event of every aggregate: what "nothing was written" is checked against. */
  totalEvents(): Promise<number>;
}

/** Builds a repository (with an optional serializer) over a backend. */
export interface RepositoryBackend {
  readonly name: string;
  create(serializer?: EventSerializer): RepositoryUnderTest;
}

/** The in-memory repository: a fresh store per call. */
export const inMemoryBackend: RepositoryBackend = {
  name: 'InMemoryEventRepository',
  create(serializer) {
    const repository = new InMemoryEventRepository({ serializer });
    return { repository, totalEvents: () => Promise.resolve(repository.allEvents().length) };
  },
};

/** The PostgreSQL repository over a (test) DataSource, counting rows of the whole table. */
export function postgresBackend(dataSource: () => DataSource): RepositoryBackend {
  return {
    name: 'EventRepository (PostgreSQL)',
    create(serializer) {
      const source = dataSource();
      const repository = new EventRepository(source, { serializer });
      return {
        repository,
        async totalEvents() {
          const [{ count }] = await source.query<{ count: number }[]>(
            'SELECT count(*)::int AS count FROM events',
          );
          return count;
        },
      };
    },
  };
}
