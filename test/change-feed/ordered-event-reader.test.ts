import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import {
  EventRepository,
  FEED_START,
  OrderedEventReader,
  OrderedFeedSubscription,
  compareFeedCheckpoints,
  type FeedCheckpoint,
  type FeedEvent,
} from '../../src';
import { BankAccount, Owner } from '../../examples/bank-account';
import { Sensor } from './support/feed-test-events';
import { eventually, useScratchDatabase } from './support/scratch-database';

const ada = new Owner('Ada Lovelace', 'ada@example.com');

describe('OrderedEventReader', () => {
  // 32 writers hold transactions open at once, plus two readers: the pool must fit them all.
  const db = useScratchDatabase({ poolSize: 40 });

  it('delivers every event exactly once in a stable order while 32 writers commit out of order, where a naive position > checkpoint reader skips some', async function () {
    this.timeout(60_000);
    const { dataSource } = db;
    const repository = new EventRepository(dataSource);
    const reader = new OrderedEventReader(dataSource);
    const PAGE = 50;

    const delivered: string[] = [];
    const checkpoints: FeedCheckpoint[] = [];
    let largestPage = 0;
    const subscription = new OrderedFeedSubscription({
      reader,
      from: FEED_START,
      batchSize: PAGE,
      pollIntervalMs: 5,
      handler: async (page) => {
        largestPage = Math.max(largestPage, page.events.length);
        for (const event of page.events) delivered.push(event.eventId);
        checkpoints.push(page.checkpoint);
      },
    });

    // The naive reader the NOTES warn about: a position checkpoint, no in-flight guard.
    const naive = { checkpoint: 0n, seen: new Set<string>(), running: true };
    const naiveLoop = (async () => {
      while (naive.running) {
        const rows = await dataSource.query<{ id: string; position: string }[]>(
          'SELECT id, position::text AS position FROM events WHERE position > $1 ORDER BY position LIMIT $2',
          [naive.checkpoint.toString(), PAGE],
        );
        for (const row of rows) {
          naive.seen.add(row.id);
          naive.checkpoint = BigInt(row.position);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();

    subscription.start();
    const WRITERS = 32;
    const ROUNDS = 8;
    let heldAndOvertaken = 0;
    let freeWritersDone = 0;
    const writer = async (w: number): Promise<void> => {
      // A quarter of the writers hold some transactions open after inserting, until the naive
      // reader has read past their position: their commit then lands behind its checkpoint.
      const holds = w % 4 === 0;
      for (let round = 0; round < ROUNDS; round++) {
        const account = BankAccount.open(randomUUID(), ada, 'EUR');
        for (let d = 0; d < (w + round) % 3; d++) account.deposit(10 + d);
        const ids = account.getUncommittedEnvelopes().map((u) => u.eventId);
        await dataSource.transaction(async (manager) => {
          await repository.save(account, { manager });
          if (!holds || round >= ROUNDS - 2) return;
          const [{ position }] = await manager.query<{ position: string }[]>(
            'SELECT max(position)::text AS position FROM events WHERE id = ANY($1::uuid[])',
            [ids],
          );
          const deadline = Date.now() + 5_000;
          while (naive.checkpoint <= BigInt(position) && freeWritersDone < 24) {
            if (Date.now() > deadline) return;
            await new Promise((resolve) => setTimeout(resolve, 2));
          }
          if (naive.checkpoint > BigInt(position)) heldAndOvertaken += 1;
        });
      }
      if (!holds) freeWritersDone += 1;
    };
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));

    const [{ total }] = await dataSource.query<
      {
        total: number;
      }[]
    >('SELECT count(*)::int AS total FROM events');
    await eventually('the ordered reader to catch up', () => delivered.length >= total);
    // Let the naive reader finish its pass over what is committed, then stop both.
    const [{ last }] = await dataSource.query<{ last: string }[]>(
      'SELECT max(position)::text AS last FROM events',
    );
    await eventually('the naive reader to reach the end', () => naive.checkpoint >= BigInt(last));
    naive.running = false;
    await naiveLoop;
    await subscription.stop();

    const expectedOrder = (
      await dataSource.query<
        {
          id: string;
        }[]
      >('SELECT id FROM events ORDER BY transaction_id, position')
    ).map((r) => r.id);
    const missedByNaive = expectedOrder.filter((id) => !naive.seen.has(id)).length;
    console.log(
      `      ${total} events from ${WRITERS} writers; ordered reader delivered ${delivered.length} ` +
        `(${new Set(delivered).size} distinct) in ${checkpoints.length} pages of at most ${largestPage}; ` +
        `${heldAndOvertaken} held transactions were overtaken; naive reader missed ${missedByNaive}`,
    );

    expect(delivered).to.have.length(total);
    expect(new Set(delivered).size).to.equal(total);
    expect(delivered).to.deep.equal(expectedOrder);
    for (let i = 1; i < checkpoints.length; i++) {
      expect(compareFeedCheckpoints(checkpoints[i - 1], checkpoints[i])).to.equal(-1);
    }
    expect(largestPage).to.be.at.most(PAGE);
    expect(heldAndOvertaken).to.be.greaterThan(0);
    expect(missedByNaive).to.be.at.least(heldAndOvertaken);
  });

  it('holds back a committed transaction while an older one is still running, then delivers both in transaction order', async () => {
    const { dataSource } = db;
    const repository = new EventRepository(dataSource);
    const reader = new OrderedEventReader(dataSource);
    const start = await drain(reader);

    const older = dataSource.createQueryRunner();
    await older.connect();
    await older.startTransaction();
    try {
      const first = Sensor.register(randomUUID(), 'older');
      await repository.save(first, { manager: older.manager });
      const second = Sensor.register(randomUUID(), 'younger');
      await repository.save(second);

      const whileOlderRuns = await reader.readPage(start);
      expect(whileOlderRuns.events).to.deep.equal([]);
      expect(whileOlderRuns.checkpoint).to.deep.equal(start);

      await older.commitTransaction();
      // Transactions of other databases on the server hold the horizon back too: poll.
      const events = await readUntil(reader, start, 2);
      expect(events.map((e) => e.aggregateId)).to.deep.equal([first.id, second.id]);
      expect(Number(events[0].position)).to.be.greaterThan(0);
      expect(events[0].payload).to.deep.equal({ label: 'older' });
      expect(events[0].metadata.schemaVersion).to.equal(1);
      expect(events[0].createdAt).to.be.instanceOf(Date);
    } finally {
      if (older.isTransactionActive) await older.rollbackTransaction();
      await older.release();
    }
  });

  it('orders positions numerically within a transaction, across a power of ten', async () => {
    const { dataSource } = db;
    const reader = new OrderedEventReader(dataSource);
    const start = await drain(reader);
    const [{ last }] = await dataSource.query<{ last: string }[]>(
      'SELECT COALESCE(max(position), 0)::text AS last FROM events',
    );
    // Enough events in one transaction for its positions to go from n digits to n + 1.
    const boundary = 10 ** String(Number(last) + 1).length;
    const sensor = Sensor.register(randomUUID(), 'digits');
    for (let i = 0; i < boundary - Number(last) + 1; i++) sensor.read(i);
    const count = sensor.getUncommittedEnvelopes().length;
    await new EventRepository(dataSource).save(sensor);
    const events = await readUntil(reader, start, count);
    expect(events.map((e) => e.version)).to.deep.equal(
      Array.from({ length: count }, (_, i) => i + 1),
    );
    expect(events.map((e) => BigInt(e.position) >= BigInt(boundary)).includes(true)).to.equal(true);
  });

  it('filters by aggregate type and event type and pages with a bounded size', async () => {
    const { dataSource } = db;
    const repository = new EventRepository(dataSource);
    const reader = new OrderedEventReader(dataSource);
    const start = await drain(reader);
    const sensor = Sensor.register(randomUUID(), 'filtered');
    for (let i = 0; i < 5; i++) sensor.read(i);
    await repository.save(sensor);
    await repository.save(BankAccount.open(randomUUID(), ada, 'EUR'));

    await readUntil(reader, start, 7);
    const sensors = await reader.readPage(start, { aggregateTypes: ['FeedTest.Sensor'] });
    expect(sensors.events.map((e) => e.eventType)).to.deep.equal([
      'FeedTest.SensorRegistered',
      ...Array(5).fill('FeedTest.ReadingTaken'),
    ]);
    const accounts = await reader.readPage(start, { eventTypes: ['BankAccount.AccountOpened'] });
    expect(accounts.events).to.have.length(1);

    const seen: number[] = [];
    let checkpoint = start;
    for (;;) {
      const page = await reader.readPage(checkpoint, {
        limit: 2,
        eventTypes: ['FeedTest.ReadingTaken'],
      });
      expect(page.events.length).to.be.at.most(2);
      seen.push(...page.events.map((e) => (e.payload as { value: number }).value));
      checkpoint = page.checkpoint;
      if (!page.hasMore) break;
    }
    expect(seen).to.deep.equal([0, 1, 2, 3, 4]);
  });

  it('rejects a malformed checkpoint', async () => {
    const reader = new OrderedEventReader(db.dataSource);
    const error = await reader
      .readPage({ transactionId: '1; DROP TABLE events', position: '0' })
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(TypeError);
  });
});

/** Reads from `from` until `count` events arrived (the horizon may lag behind commits). */
async function readUntil(
  reader: OrderedEventReader,
  from: FeedCheckpoint,
  count: number,
): Promise<FeedEvent[]> {
  const events: FeedEvent[] = [];
  let checkpoint = from;
  await eventually(`${count} events`, async () => {
    const page = await reader.readPage(checkpoint);
    events.push(...page.events);
    checkpoint = page.checkpoint;
    return events.length >= count;
  });
  return events;
}

async function drain(reader: OrderedEventReader): Promise<FeedCheckpoint> {
  let checkpoint = FEED_START;
  for (;;) {
    const page = await reader.readPage(checkpoint, { limit: 1000 });
    checkpoint = page.checkpoint;
    if (!page.hasMore) return checkpoint;
  }
}
