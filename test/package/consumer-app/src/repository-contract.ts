// The testing kit comes first on purpose: it must load reflect-metadata itself.
import { aggregateRepositoryContract, InMemoryEventRepository } from 'tessera-es/testing';
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { createTesseraDataSource, EventRepository } from 'tessera-es';
import { databaseUrl } from './database-url.js';
import { BookLent } from './library.js';

describe('tessera-es/testing imported first', () => {
  it('has loaded reflect-metadata before the app declared its events', () => {
    assert.equal(Reflect.getMetadata('design:type', BookLent.prototype, 'due'), Date);
  });
});

aggregateRepositoryContract('InMemoryEventRepository', () => new InMemoryEventRepository(), {
  describe,
  it,
});

describe('on PostgreSQL', () => {
  const dataSource = createTesseraDataSource({ url: databaseUrl(), poolSize: 10 });
  before(async () => {
    await dataSource.initialize();
    await dataSource.runMigrations();
  });
  after(() => dataSource.destroy());

  aggregateRepositoryContract('EventRepository', () => new EventRepository(dataSource), {
    describe,
    it,
  });
});
