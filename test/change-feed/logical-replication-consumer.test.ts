import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { pgClientConfigOf } from '../../src/infrastructure/change-feed/pg-client-config';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { ClientConfig } from 'pg';
import {
  CDC_ROLE,
  EventRepository,
  LogicalReplicationConsumer,
  type ReplicatedTransaction,
  type ReplicationHandler,
} from '../../src';
import { BankAccount, Owner } from '../../examples/bank-account';
import { Sensor } from './support/feed-test-events';
import { eventually, useScratchDatabase } from './support/scratch-database';

const ada = new Owner('Ada Lovelace', 'ada@example.com');
let slots = 0;

describe('LogicalReplicationConsumer (pgoutput, wal_level=logical)', () => {
  const db = useScratchDatabase({ logical: true, poolSize: 12 });
  const consumers: LogicalReplicationConsumer[] = [];

  function consumer(
    handler: ReplicationHandler,
    options: { slotName?: string; connection?: ClientConfig; maxBatchEvents?: number } = {},
  ): LogicalReplicationConsumer {
    const created = new LogicalReplicationConsumer({
      connection: options.connection ?? pgClientConfigOf(db.dataSource),
      slotName: options.slotName ?? `feed_test_${process.pid}_${++slots}`,
      maxBatchEvents: options.maxBatchEvents,
      handler,
    });
    consumers.push(created);
    return created;
  }

  afterEach(async () => {
    // Several consumers may share a slot: stop them all before dropping any.
    const stopped = consumers.splice(0);
    for (const c of stopped) await c.stop();
    for (const c of stopped) await c.dropSlot();
  });

  it('delivers typed rows with payload and metadata as objects, transaction by transaction in commit order', async () => {
    const received: ReplicatedTransaction[] = [];
    const c = consumer(async (txs) => void received.push(...txs));
    expect(await c.createSlot()).to.equal(true);
    expect(await c.createSlot()).to.equal(false);
    await c.start();

    const repository = new EventRepository(db.dataSource);
    // The first transaction to insert commits last: replication follows commits, not inserts.
    const early = db.dataSource.createQueryRunner();
    await early.connect();
    await early.startTransaction();
    const slow = BankAccount.open(randomUUID(), ada, 'EUR');
    slow.deposit(100);
    await repository.save(slow, { manager: early.manager, correlationId: 'c-1' });
    const quick = Sensor.register(randomUUID(), 'quick');
    await repository.save(quick);
    await early.commitTransaction();
    await early.release();

    await eventually('both transactions', () => received.length >= 2);
    expect(received.map((tx) => tx.events.map((e) => e.aggregateId))).to.deep.equal([
      [quick.id],
      [slow.id, slow.id],
    ]);
    const [, opened] = [received[0].events[0], received[1].events[0]];
    expect(opened.eventType).to.equal('BankAccount.AccountOpened');
    expect(opened.aggregateType).to.equal('BankAccount');
    expect(opened.version).to.equal(1);
    expect(opened.payload).to.deep.include({ currency: 'EUR', overdraftLimit: 0 });
    expect(opened.metadata).to.include({ schemaVersion: 1, correlationId: 'c-1' });
    expect(opened.createdAt).to.be.instanceOf(Date);
    expect(opened.position).to.match(/^\d+$/);
    expect(opened.transactionId).to.match(/^\d+$/);
    expect(received[1].events[1].version).to.equal(2);
    expect(received[1].commitTime).to.be.instanceOf(Date);
    const [stored] = await db.dataSource.query<{ position: string; tx: string }[]>(
      'SELECT position::text AS position, transaction_id::text AS tx FROM events WHERE id = $1',
      [opened.eventId],
    );
    expect([opened.position, opened.transactionId]).to.deep.equal([stored.position, stored.tx]);
  });

  it('confirms to the slot exactly the end LSN of the last handled commit', async () => {
    const received: ReplicatedTransaction[] = [];
    const c = consumer(async (txs) => void received.push(...txs));
    await c.createSlot();
    await c.start();
    const repository = new EventRepository(db.dataSource);
    for (let i = 0; i < 3; i++) await repository.save(Sensor.register(randomUUID(), `s${i}`));
    await eventually('three transactions', () => received.length >= 3);
    const last = received[received.length - 1].commitEndLsn;
    await eventually('the slot to confirm the last commit', async () => {
      const status = await c.slotStatus();
      return status?.confirmedFlushLsn === last;
    });
    expect(c.acknowledgedLsn).to.equal(last);
  });

  it('acknowledges nothing of a batch whose handler failed, and redelivers it on restart', async () => {
    const boom = new Error('handler failed');
    const c = consumer(async () => {
      throw boom;
    });
    await c.createSlot();
    await c.start();
    const sensor = Sensor.register(randomUUID(), 'fails once');
    await new EventRepository(db.dataSource).save(sensor);
    const outcome = await c.closed.then(
      () => 'resolved',
      (e: unknown) => e,
    );
    expect(outcome).to.equal(boom);
    expect(c.running).to.equal(false);

    const received: string[] = [];
    const again = consumer(
      async (txs) => void received.push(...txs.flatMap((t) => t.events.map((e) => e.aggregateId))),
      {
        slotName: c.slotName,
      },
    );
    await again.start();
    await eventually('the redelivery', () => received.includes(sensor.id));
  });

  it('resumes without losing an event after its process is killed mid-stream', async function () {
    this.timeout(60_000);
    await db.dataSource.query(
      'CREATE TABLE IF NOT EXISTS received (event_id uuid NOT NULL, consumer text NOT NULL)',
    );
    const slotName = `feed_kill_${process.pid}`;
    const first = consumer(async () => undefined, { slotName });
    await first.createSlot();

    const repository = new EventRepository(db.dataSource);
    const WRITERS = 4;
    const PER_WRITER = 60;
    const written: string[] = [];
    const writers = Array.from({ length: WRITERS }, async () => {
      for (let i = 0; i < PER_WRITER; i++) {
        const sensor = Sensor.register(randomUUID(), 'killed');
        sensor.read(i);
        const ids = sensor.getUncommittedEnvelopes().map((u) => u.eventId);
        await repository.save(sensor);
        written.push(...ids);
      }
    });
    const allWritten = Promise.all(writers);

    const child = startChild(db.url, slotName);
    try {
      await waitForLine(child, 'streaming');
      await eventually(
        'the child to handle some events',
        async () => (await receivedCount('child')) >= 60,
      );
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    const byChild = await receivedCount('child');

    const order: string[] = [];
    const resumed = consumer(
      async (txs) => {
        const ids = txs.flatMap((tx) => tx.events.map((e) => e.eventId));
        order.push(...ids);
        await db.dataSource.query(
          "INSERT INTO received (event_id, consumer) SELECT unnest($1::uuid[]), 'resumed'",
          [ids],
        );
      },
      { slotName },
    );
    // The killed process's walsender may take a moment to notice and release the slot.
    await eventually(
      'the slot to be released',
      async () => (await resumed.slotStatus())?.active === false,
    );
    await resumed.start();
    await allWritten;
    const total = WRITERS * PER_WRITER * 2;
    await eventually(
      'every event to be received',
      async () => (await receivedCount()) >= total,
      30_000,
    );
    const [{ distinct, rows }] = await db.dataSource.query<{ distinct: number; rows: number }[]>(
      'SELECT count(DISTINCT event_id)::int AS distinct, count(*)::int AS rows FROM received',
    );
    console.log(
      `      ${total} events; the killed child handled ${byChild}, the resumed consumer ${order.length}; ` +
        `${rows - distinct} delivered twice (handled but not yet acknowledged at the kill)`,
    );
    expect(distinct).to.equal(total);
    expect(written).to.have.length(total);
    const [{ unknown }] = await db.dataSource.query<{ unknown: number }[]>(
      'SELECT count(*)::int AS unknown FROM received WHERE NOT (event_id = ANY($1::uuid[]))',
      [written],
    );
    expect(unknown).to.equal(0);
    // At-least-once: what was acknowledged is never redelivered, so duplicates stay within the
    // child's last unacknowledged batches (20 events each here).
    expect(rows - distinct).to.be.at.most(200);
    expect(new Set(order).size).to.equal(order.length);
  });

  it('reports the slot lag and drops the slot cleanly', async () => {
    const c = consumer(async () => undefined);
    await c.createSlot();
    const before = await c.slotStatus();
    expect(before).to.include({ slotName: c.slotName, plugin: 'pgoutput', active: false });
    const repository = new EventRepository(db.dataSource);
    for (let i = 0; i < 20; i++) await repository.save(Sensor.register(randomUUID(), 'lag'));
    const behind = await c.slotStatus();
    expect(behind?.lagBytes).to.be.greaterThan(0);

    await c.start();
    expect((await c.slotStatus())?.active).to.equal(true);
    await eventually('the consumer to catch up', async () => {
      const status = await c.slotStatus();
      return status !== null && status.lagBytes < (behind?.lagBytes ?? 0);
    });
    await c.dropSlot();
    expect(c.running).to.equal(false);
    expect(await c.slotStatus()).to.equal(null);
  });

  it('streams as a login role that has REPLICATION and is a member of tessera_cdc, as documented', async () => {
    const role = `cdc_login_${process.pid}`;
    await db.dataSource.query(
      `CREATE ROLE "${role}" LOGIN REPLICATION PASSWORD 'cdc-secret' IN ROLE "${CDC_ROLE}"`,
    );
    try {
      const url = new URL(db.url);
      url.username = role;
      url.password = 'cdc-secret';
      const received: string[] = [];
      const c = consumer(
        async (txs) =>
          void received.push(...txs.flatMap((t) => t.events.map((e) => e.aggregateId))),
        {
          connection: { connectionString: url.toString() },
        },
      );
      await c.createSlot();
      await c.start();
      const sensor = Sensor.register(randomUUID(), 'cdc');
      await new EventRepository(db.dataSource).save(sensor);
      await eventually('the CDC role to receive the event', () => received.includes(sensor.id));
      await c.dropSlot();
      // Dropped here, while its role still exists.
      consumers.splice(consumers.indexOf(c), 1);
    } finally {
      await db.dataSource.query(`DROP ROLE IF EXISTS "${role}"`);
    }
  });

  /** Distinct events received, by one consumer or by any. */
  async function receivedCount(who?: string): Promise<number> {
    const [{ n }] = await db.dataSource.query<{ n: number }[]>(
      'SELECT count(DISTINCT event_id)::int AS n FROM received WHERE $1::text IS NULL OR consumer = $1',
      [who ?? null],
    );
    return n;
  }
});

function startChild(url: string, slot: string): ChildProcess {
  const script = join(__dirname, 'support', 'replication-consumer-process.ts');
  return spawn(process.execPath, ['--require', 'ts-node/register', script], {
    env: { ...process.env, FEED_URL: url, FEED_SLOT: slot, TS_NODE_TRANSPILE_ONLY: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function waitForLine(child: ChildProcess, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(line)) resolve();
    });
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`consumer process exited (${code}): ${err}`)));
  });
}
