import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { pgClientConfigOf } from '../../src/infrastructure/change-feed/pg-client-config';
import {
  FEED_START,
  InlineProjector,
  LogicalReplicationConsumer,
  OrderedEventReader,
  OrderedProjectionRunner,
  Projection,
  type FeedEvent,
  type ProjectionContext,
} from '../../src';
import { insertRawEvents } from '../support/insert-raw-events';
import {
  Deposited,
  DEPOSITED,
  FEE_CHARGED,
  FeeCharged,
  OLD_HISTORY,
  Withdrawn,
  WITHDRAWN,
} from '../support/upcast-account';
import { eventually, useScratchDatabase } from './support/scratch-database';

const ACCOUNT = 'Test.Upcast.Account';

/** What every feed must deliver for {@link OLD_HISTORY}: today's types, payloads and versions. */
function expectUpcast(events: readonly FeedEvent[]): void {
  expect(events.map((e) => [e.version, e.eventType, e.metadata.schemaVersion])).to.deep.equal([
    [1, DEPOSITED, 3],
    [2, DEPOSITED, 3],
    [3, DEPOSITED, 3],
    [4, WITHDRAWN, 1],
    [4, FEE_CHARGED, 1],
  ]);
  expect(events.map((e) => e.payload)).to.deep.equal([
    { cents: 1000, currency: 'EUR' },
    { cents: 500, currency: 'EUR' },
    { cents: 700, currency: 'USD' },
    { cents: 300 },
    { cents: 100, reason: 'transfer' },
  ]);
  // A split row's events keep the row's place in the feed.
  expect(events[4].position).to.equal(events[3].position);
  expect(events[4].eventId).to.equal(events[3].eventId);
}

/** A projection collecting what its handlers receive for one aggregate. */
function collecting(
  name: string,
  id: string,
): { projection: Projection<ProjectionContext>; seen: object[] } {
  const seen: object[] = [];
  const keep = (event: object, env: { aggregateId: string }): void => {
    if (env.aggregateId === id) seen.push(event);
  };
  const projection = new Projection<ProjectionContext>(name)
    .on(Deposited, keep)
    .on(Withdrawn, keep)
    .on(FeeCharged, keep);
  return { projection, seen };
}

const EXPECTED_INSTANCES = [
  new Deposited(1000, 'EUR'),
  new Deposited(500, 'EUR'),
  new Deposited(700, 'USD'),
  new Withdrawn(300),
  new FeeCharged(100, 'transfer'),
];

describe('Upcasting in the change feeds and projections', () => {
  const db = useScratchDatabase({ logical: true, poolSize: 8 });

  it('OrderedEventReader delivers old rows upcast, renamed and split', async () => {
    const id = randomUUID();
    await insertRawEvents(db.dataSource, id, ACCOUNT, OLD_HISTORY);
    const reader = new OrderedEventReader(db.dataSource);
    const page = await reader.readPage(FEED_START, { limit: 10_000 });
    expectUpcast(page.events.filter((e) => e.aggregateId === id));
  });

  it("OrderedEventReader filtered by today's type names also reads the old names", async () => {
    const id = randomUUID();
    await insertRawEvents(db.dataSource, id, ACCOUNT, OLD_HISTORY);
    const reader = new OrderedEventReader(db.dataSource);
    const deposits = await reader.readPage(FEED_START, { limit: 10_000, eventTypes: [DEPOSITED] });
    const mine = deposits.events.filter((e) => e.aggregateId === id);
    expect(mine.map((e) => e.version)).to.deep.equal([1, 2, 3]);
    const fees = await reader.readPage(FEED_START, { limit: 10_000, eventTypes: [FEE_CHARGED] });
    expect(fees.events.filter((e) => e.aggregateId === id).map((e) => e.eventType)).to.deep.equal([
      FEE_CHARGED,
    ]);
  });

  it('LogicalReplicationConsumer delivers old rows upcast, renamed and split', async () => {
    const received: FeedEvent[] = [];
    const consumer = new LogicalReplicationConsumer({
      connection: pgClientConfigOf(db.dataSource),
      slotName: `upcast_feed_${process.pid}`,
      handler: (transactions) => {
        for (const tx of transactions) received.push(...tx.events);
        return Promise.resolve();
      },
    });
    await consumer.createSlot();
    await consumer.start();
    try {
      const id = randomUUID();
      await insertRawEvents(db.dataSource, id, ACCOUNT, OLD_HISTORY);
      await eventually(
        'the old rows',
        () => received.filter((e) => e.aggregateId === id).length >= 5,
      );
      expectUpcast(received.filter((e) => e.aggregateId === id));
    } finally {
      await consumer.stop();
      await consumer.dropSlot();
    }
  });

  it("an inline rebuild hands the projection instances of today's classes", async () => {
    const id = randomUUID();
    await insertRawEvents(db.dataSource, id, ACCOUNT, OLD_HISTORY);
    const { projection, seen } = collecting('upcast_inline', id);
    await new InlineProjector(db.dataSource, [projection]).rebuild(projection);
    expect(seen).to.deep.equal(EXPECTED_INSTANCES);
    expect(seen.map((e) => e.constructor)).to.deep.equal(
      EXPECTED_INSTANCES.map((e) => e.constructor),
    );
  });

  it("an OrderedProjectionRunner hands the projection instances of today's classes", async () => {
    const id = randomUUID();
    await insertRawEvents(db.dataSource, id, ACCOUNT, OLD_HISTORY);
    const { projection, seen } = collecting('upcast_ordered', id);
    const runner = new OrderedProjectionRunner(db.dataSource, projection, {
      pollIntervalMs: 20,
      lockRetryMs: 20,
    });
    runner.start();
    try {
      await eventually('the projection to see the old rows', () => seen.length >= 5);
    } finally {
      await runner.stop();
    }
    expect(seen).to.deep.equal(EXPECTED_INSTANCES);
  });
});
