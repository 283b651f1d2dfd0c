import { expect } from 'chai';
import { IsInt } from 'class-validator';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { Aggregate, AggregateRoot, Apply, DomainEvent, EventRepository } from '../../src';
import { useTestDatabase } from '../support/database';
import { recordStatements } from '../support/record-statements';

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

/** Logs every page query as it is sent. */
function recordQueries(dataSource: DataSource): () => void {
  return recordStatements(dataSource, (text, values) => {
    if (/LIMIT \$3/.test(text)) log.push(`page after ${String(values[1])}`);
  }).restore;
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
    log.length = 0;
    const restore = recordQueries(db.dataSource);
    try {
      const loaded = await repository.load(Clock, clock.id);
      expect(loaded.version).to.equal(6);
      expect(loaded.ticks).to.equal(6);
    } finally {
      restore();
    }
    // Each page query asks for one row more than a page, so the end of the stream is known
    // without a last, empty query.
    expect(log.filter((line) => line.startsWith('page'))).to.deep.equal([
      'page after 0',
      'page after 3',
    ]);
  });

  it('rejects a page size that is not a positive integer', () => {
    expect(() => new EventRepository(db.dataSource, { pageSize: 0 })).to.throw(
      TypeError,
      /pageSize/,
    );
  });
});
