import { expect } from 'chai';
import { IsInt } from 'class-validator';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { Aggregate, AggregateRoot, Apply, DomainEvent, EventRepository } from '../../src';
import { useTestDatabase } from '../support/database';

const log: string[] = [];

@DomainEvent('Test.Stream.Ticked')
class Ticked {
  @IsInt() readonly n: number;
  constructor(n: number) {
    this.n = n;
  }
}

@Aggregate('Test.Stream.Clock')
class Clock extends AggregateRoot {
  ticks = 0;
  tick(): void {
    this.raise(new Ticked(this.ticks + 1));
  }
  @Apply(Ticked)
  protected onTicked(event: Ticked): void {
    log.push(`apply ${event.n}`);
    this.ticks = event.n;
  }
}

/** Wraps the driver's pool so every statement sent is written to `log` as it is sent. */
function recordQueries(dataSource: DataSource): () => void {
  type Client = { query(config: { text: string; values?: unknown[] }): Promise<unknown> };
  type Driver = { obtainMasterConnection(): Promise<[Client, (e?: unknown) => void]> };
  const driver = dataSource.driver as unknown as Driver;
  const original = driver.obtainMasterConnection.bind(driver);
  driver.obtainMasterConnection = async () => {
    const [client, release] = await original();
    const proxy: Client = {
      query: (config) => {
        if (/LIMIT \$3/.test(config.text)) log.push(`page after ${String(config.values?.[1])}`);
        return client.query(config);
      },
    };
    return [proxy, release];
  };
  return () => {
    driver.obtainMasterConnection = original;
  };
}

describe('EventRepository streaming replay', () => {
  const db = useTestDatabase();

  it('folds each page of events before it fetches the next one', async () => {
    const repository = new EventRepository(db.dataSource, { pageSize: 2 });
    const clock = new Clock(randomUUID());
    for (let i = 0; i < 5; i++) clock.tick();
    await repository.save(clock);
    log.length = 0;
    const restore = recordQueries(db.dataSource);
    try {
      const loaded = await repository.load(Clock, clock.id);
      expect(loaded.ticks).to.equal(5);
    } finally {
      restore();
    }
    expect(log).to.deep.equal([
      'page after 0',
      'apply 1',
      'apply 2',
      'page after 2',
      'apply 3',
      'apply 4',
      'page after 4',
      'apply 5',
    ]);
  });

  it('reads a stream whose length is an exact multiple of the page size', async () => {
    const repository = new EventRepository(db.dataSource, { pageSize: 3 });
    const clock = new Clock(randomUUID());
    for (let i = 0; i < 6; i++) clock.tick();
    await repository.save(clock);
    const loaded = await repository.load(Clock, clock.id);
    expect(loaded.version).to.equal(6);
    expect(loaded.ticks).to.equal(6);
  });

  it('rejects a page size that is not a positive integer', () => {
    expect(() => new EventRepository(db.dataSource, { pageSize: 0 })).to.throw(
      TypeError,
      /pageSize/,
    );
  });
});
