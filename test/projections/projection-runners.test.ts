import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { pgClientConfigOf } from '../../src/infrastructure/change-feed/pg-client-config';
import type { DataSource } from 'typeorm';
import {
  EventRepository,
  OrderedProjectionRunner,
  Projection,
  ProjectionCheckpointMovedError,
  RegistrationError,
  ReplicationProjectionRunner,
  ReplicationSlotLostError,
  rebuildProjection,
  type ProjectionContext,
} from '../../src';
import { ReadingTaken, Sensor } from '../change-feed/support/feed-test-events';
import { eventually, useScratchDatabase } from '../change-feed/support/scratch-database';
import {
  CreateSensorTotals1732600000001,
  expectedTotals,
  readTotals,
  sensorTotals,
} from './support/sensor-totals';

/** Appends `sensors` sensors with a few readings each, from 4 concurrent writers. */
async function appendSensors(dataSource: DataSource, sensors: number): Promise<void> {
  const repository = new EventRepository(dataSource);
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < sensors) {
        const n = next++;
        const sensor = Sensor.register(randomUUID(), `s${n}`);
        for (let r = 0; r <= n % 4; r++) sensor.read(n + r);
        await repository.save(sensor);
      }
    }),
  );
}

async function expectCaughtUp(dataSource: DataSource): Promise<void> {
  const truth = await expectedTotals(dataSource);
  await eventually('the read model to match the events', async () => {
    const totals = await readTotals(dataSource);
    return [...truth].every(([id, t]) => totals.get(id)?.readings === t.readings);
  });
  expect(await readTotals(dataSource)).to.deep.equal(truth);
}

describe('Projection (definition)', () => {
  it('rejects a name unfit for slot and lock names, and a second handler for one event', () => {
    expect(() => new Projection('Balances!')).to.throw(RegistrationError);
    const projection = new Projection('ok_name').on(ReadingTaken, () => undefined);
    expect(() => projection.on(ReadingTaken, () => undefined)).to.throw(RegistrationError);
    expect(projection.eventTypes).to.deep.equal(['FeedTest.ReadingTaken']);
    expect(projection.handles('FeedTest.ReadingTaken', 'FeedTest.Sensor')).to.equal(true);
  });
});

describe('OrderedProjectionRunner', () => {
  const db = useScratchDatabase({ migrations: [CreateSensorTotals1732600000001] });
  const runners: OrderedProjectionRunner[] = [];
  const run = (
    dataSource: DataSource,
    projection: Projection<ProjectionContext>,
    lockApp?: string,
  ): OrderedProjectionRunner => {
    const runner = new OrderedProjectionRunner(dataSource, projection, {
      pollIntervalMs: 20,
      lockRetryMs: 20,
      batchSize: 25,
      lockConnection: lockApp ? pgClientConfigOf(dataSource, lockApp) : undefined,
    });
    runners.push(runner);
    runner.start();
    return runner;
  };

  afterEach(async () => {
    for (const runner of runners.splice(0)) await runner.stop();
    await db.dataSource.query('DELETE FROM sensor_totals');
    await db.dataSource.query('DELETE FROM projection_checkpoints');
  });

  it('applies every event exactly once although batches fail after writing and the runner restarts', async () => {
    const projection = sensorTotals('totals_exactly_once', 7);
    await appendSensors(db.dataSource, 40);
    const first = run(db.dataSource, projection);
    await eventually('some progress', () => first.appliedEvents > 20);
    await first.stop();
    await appendSensors(db.dataSource, 40);
    run(db.dataSource, projection);
    await expectCaughtUp(db.dataSource);
  });

  it('keeps one runner active across processes; a standby takes over when the active one dies', async () => {
    const projection = sensorTotals('totals_failover');
    const other = await db.newDataSource();
    const a = run(db.dataSource, projection, `tessera-test-lock-a-${process.pid}`);
    await eventually('a runner to become active', () => a.active);
    const b = run(other, projection, `tessera-test-lock-b-${process.pid}`);
    await appendSensors(db.dataSource, 20);
    await eventually('a to apply', () => a.appliedEvents > 0);
    expect(b.active).to.equal(false);

    // The active runner's session dies: the server frees its lock, and b takes over. Runner a
    // lives on in this process and competes for the lock again at once (a crashed process would
    // not), so its sessions keep dying until b holds the lock; once b does, a stays standby.
    await eventually('b to take over', async () => {
      if (b.active) return true;
      await db.dataSource.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
        [`tessera-test-lock-a-${process.pid}`],
      );
      return false;
    });
    await eventually('a to see it lost the lock', () => !a.active);
    await appendSensors(db.dataSource, 20);
    await eventually('b to apply', () => b.appliedEvents > 0);
    await expectCaughtUp(db.dataSource);
  });

  it('replays at once after a rebuild while idle, with no new event and no error', async () => {
    const projection = sensorTotals('totals_idle_rebuild');
    await appendSensors(db.dataSource, 20);
    const errors: unknown[] = [];
    const runner = new OrderedProjectionRunner(db.dataSource, projection, {
      pollIntervalMs: 20,
      lockRetryMs: 20,
      onError: (error) => errors.push(error),
    });
    runners.push(runner);
    runner.start();
    await expectCaughtUp(db.dataSource);
    const applied = runner.appliedEvents;
    await db.dataSource.query('UPDATE sensor_totals SET total = -1, readings = -1');
    await rebuildProjection(db.dataSource, projection);
    await expectCaughtUp(db.dataSource);
    expect(runner.appliedEvents, 'the replay').to.equal(2 * applied);
    expect(errors).to.deep.equal([]);
  });

  it('rebuilds from zero while running, without a double count', async () => {
    const projection = sensorTotals('totals_rebuild');
    await appendSensors(db.dataSource, 30);
    run(db.dataSource, projection);
    await expectCaughtUp(db.dataSource);
    await db.dataSource.query('UPDATE sensor_totals SET total = -1');
    await rebuildProjection(db.dataSource, projection);
    await appendSensors(db.dataSource, 10);
    await expectCaughtUp(db.dataSource);
    expect(new ProjectionCheckpointMovedError('x').code).to.equal(
      'TESSERA_PROJECTION_CHECKPOINT_MOVED',
    );
  });
});

describe('ReplicationProjectionRunner (wal_level=logical)', () => {
  const db = useScratchDatabase({ logical: true, migrations: [CreateSensorTotals1732600000001] });
  let runner: ReplicationProjectionRunner | undefined;
  const errors: unknown[] = [];
  const start = (projection: Projection<ProjectionContext>): ReplicationProjectionRunner => {
    runner = new ReplicationProjectionRunner(db.dataSource, projection, {
      lockRetryMs: 20,
      batchSize: 25,
      onError: (error) => errors.push(error),
    });
    runner.start();
    return runner;
  };

  afterEach(async () => {
    await runner?.dropSlot();
    runner = undefined;
    errors.length = 0;
    await db.dataSource.query('DELETE FROM sensor_totals');
    await db.dataSource.query('DELETE FROM projection_checkpoints');
  });

  it('catches up from the table, hands over to the slot while writers append, and applies each event once', async () => {
    const projection = sensorTotals('repl_handover', 9);
    await appendSensors(db.dataSource, 30);
    const writing = appendSensors(db.dataSource, 60);
    const r = start(projection);
    await writing;
    await expectCaughtUp(db.dataSource);

    // A restart resumes from the stored LSN: nothing is applied twice.
    await r.stop();
    await appendSensors(db.dataSource, 20);
    r.start();
    await expectCaughtUp(db.dataSource);
    const status = await r.slotStatus();
    expect(status?.slotName).to.equal('tessera_repl_handover');
  });

  it('refuses a recreated slot until the projection is rebuilt, then catches up again', async function () {
    // Starting a replication stream on a loaded CI machine has taken over 15 s.
    this.timeout(90_000);
    const projection = sensorTotals('repl_slot_lost');
    await appendSensors(db.dataSource, 10);
    const r = start(projection);
    await expectCaughtUp(db.dataSource);
    await appendSensors(db.dataSource, 5);
    await expectCaughtUp(db.dataSource);
    await r.dropSlot();
    await appendSensors(db.dataSource, 5);
    r.start();
    await eventually(
      'the lost slot to be reported',
      () => errors.some((e) => e instanceof ReplicationSlotLostError),
      60_000,
    );
    await rebuildProjection(db.dataSource, projection);
    await expectCaughtUp(db.dataSource);
  });
});
