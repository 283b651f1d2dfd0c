import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  checkHealth,
  createTesseraDataSource,
  EventRepository,
  LogicalReplicationConsumer,
  rebuildProjection,
  ReplicationProjectionRunner,
  ReplicationSlotInvalidatedError,
} from '../../src';
import { pgClientConfigOf } from '../../src/infrastructure/change-feed/pg-client-config';
import {
  createScratchDatabase,
  startLocalPostgres,
  type LocalPostgres,
  type ScratchDatabase,
} from '../../support/local-postgres';
import {
  CreateSensorTotals1732600000001,
  expectedTotals,
  readTotals,
  sensorTotals,
} from '../projections/support/sensor-totals';
import { Sensor } from './support/feed-test-events';
import { eventually } from './support/scratch-database';

async function appendSensors(dataSource: DataSource, sensors: number): Promise<void> {
  const repository = new EventRepository(dataSource);
  for (let n = 0; n < sensors; n++) {
    const sensor = Sensor.register(randomUUID(), `s${n}`);
    for (let r = 0; r <= n % 3; r++) sensor.read(n + r);
    await repository.save(sensor);
  }
}

/** Writes WAL past max_slot_wal_keep_size and checkpoints until PostgreSQL invalidates `slot`. */
async function invalidate(dataSource: DataSource, slot: string): Promise<void> {
  await dataSource.query('CREATE TABLE IF NOT EXISTS wal_filler (x text)');
  for (let round = 0; round < 10; round++) {
    await dataSource.query(
      'INSERT INTO wal_filler SELECT repeat(md5(g::text), 64) FROM generate_series(1, 20000) AS g',
    );
    await dataSource.query('TRUNCATE wal_filler');
    await dataSource.query('CHECKPOINT');
    const [row] = await dataSource.query<{ wal_status: string }[]>(
      'SELECT wal_status FROM pg_replication_slots WHERE slot_name = $1',
      [slot],
    );
    if (row?.wal_status === 'lost') return;
  }
  throw new Error(`slot ${slot} was not invalidated`);
}

describe('an invalidated replication slot (max_slot_wal_keep_size)', function () {
  this.timeout(120_000);
  let server: LocalPostgres;
  let scratch: ScratchDatabase;
  let dataSource: DataSource;

  before(async () => {
    server = await startLocalPostgres({
      forceEmbedded: true,
      postgresFlags: [
        '-c',
        'wal_level=logical',
        '-c',
        'max_replication_slots=10',
        '-c',
        'max_wal_senders=10',
        '-c',
        'max_slot_wal_keep_size=1MB',
        '-c',
        'max_wal_size=64MB',
      ],
    });
    scratch = await createScratchDatabase(server.url, 'tessera_lost_slot');
    dataSource = createTesseraDataSource({
      url: scratch.url,
      migrations: [CreateSensorTotals1732600000001],
    });
    await dataSource.initialize();
    await dataSource.runMigrations();
  });

  after(async () => {
    if (dataSource?.isInitialized) await dataSource.destroy();
    await scratch?.drop();
    await server?.stop();
  });

  it('is a named error with the server detail from start() and createSlot(), and can be recreated', async () => {
    const delivered: string[] = [];
    const consumer = new LogicalReplicationConsumer({
      connection: pgClientConfigOf(dataSource),
      slotName: 'lost_consumer',
      handler: (transactions) => {
        for (const tx of transactions) delivered.push(...tx.events.map((e) => e.eventId));
        return Promise.resolve();
      },
    });
    await consumer.createSlot();
    await consumer.start();
    await appendSensors(dataSource, 3);
    await eventually('the first events', () => delivered.length === 9);
    await consumer.stop();
    await appendSensors(dataSource, 3);
    const idle = (await checkHealth(dataSource)).checks.find(
      (c) => c.name === 'replication-slot:lost_consumer',
    );
    expect(idle?.status, idle?.summary).to.equal('warn');
    expect(idle?.facts).to.include({ active: false });
    expect(idle?.facts.retainedBytes).to.be.a('number').above(0);
    await invalidate(dataSource, 'lost_consumer');
    const lost = await checkHealth(dataSource);
    expect(lost.checks.find((c) => c.name === 'replication-slot:lost_consumer')).to.deep.include({
      status: 'critical',
    });
    expect(lost.status).to.equal('critical');

    const started = await consumer.start().catch((e: unknown) => e);
    expect(started).to.be.instanceOf(ReplicationSlotInvalidatedError);
    expect(started).to.include({ slotName: 'lost_consumer' });
    expect((started as ReplicationSlotInvalidatedError).detail).to.match(/invalidated|wal/i);
    const created = await consumer.createSlot().catch((e: unknown) => e);
    expect(created).to.be.instanceOf(ReplicationSlotInvalidatedError);

    expect(await consumer.recreateInvalidatedSlot()).to.equal(true);
    expect(await consumer.recreateInvalidatedSlot()).to.equal(false);
    expect((await consumer.slotStatus())?.walStatus).to.not.equal('lost');
    await consumer.dropSlot();
  });

  it('is recovered for a ReplicationProjectionRunner by a rebuild: every event applied exactly once', async () => {
    const projection = sensorTotals('lost_slot_totals');
    const errors: unknown[] = [];
    const runner = new ReplicationProjectionRunner(dataSource, projection, {
      lockRetryMs: 20,
      batchSize: 10,
      onError: (error) => errors.push(error),
    });
    const caughtUp = async (): Promise<void> => {
      const truth = await expectedTotals(dataSource);
      await eventually('the read model to match the events', async () => {
        const totals = await readTotals(dataSource);
        return [...truth].every(([id, t]) => totals.get(id)?.readings === t.readings);
      });
      expect(await readTotals(dataSource)).to.deep.equal(truth);
    };
    try {
      await appendSensors(dataSource, 10);
      runner.start();
      await caughtUp();
      await appendSensors(dataSource, 5);
      await caughtUp();
      await runner.stop();

      await appendSensors(dataSource, 10);
      await invalidate(dataSource, runner.slotName);
      runner.start();
      await eventually('the invalidated slot to be reported', () =>
        errors.some((e) => e instanceof ReplicationSlotInvalidatedError),
      );
      await rebuildProjection(dataSource, projection);
      await appendSensors(dataSource, 5);
      await caughtUp();
    } finally {
      await runner.dropSlot();
    }
  });
});
