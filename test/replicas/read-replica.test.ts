import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { BankAccount, Owner } from '../../examples/bank-account';
import {
  checkHealth,
  createTesseraDataSource,
  EventRepository,
  OrderedProjectionRunner,
  replicaLag,
  ReplicaBehindError,
  waitForReplay,
  writePosition,
} from '../../src';
import { startReplicatedPair, type ReplicatedPair } from '../../support/local-replica';
import { Sensor } from '../change-feed/support/feed-test-events';
import { eventually } from '../change-feed/support/scratch-database';
import {
  CreateSensorTotals1732600000001,
  expectedTotals,
  readTotals,
  sensorTotals,
} from '../projections/support/sensor-totals';

const ada = new Owner('Ada Lovelace', 'ada@example.com');

describe('reads on a streaming replica (pg_basebackup -R)', function () {
  this.timeout(120_000);
  let pair: ReplicatedPair;
  let primary: DataSource;
  let replica: DataSource;

  before(async () => {
    pair = await startReplicatedPair();
    primary = createTesseraDataSource({
      url: pair.primaryUrl,
      migrations: [CreateSensorTotals1732600000001],
    });
    await primary.initialize();
    await primary.runMigrations();
    replica = createTesseraDataSource({ url: pair.replicaUrl });
    await replica.initialize();
    await waitForReplay(replica, await writePosition(primary), { timeoutMs: 30_000 });
  });

  after(async () => {
    if (replica?.isInitialized) await replica.destroy();
    if (primary?.isInitialized) await primary.destroy();
    await pair?.stop();
  });

  afterEach(async () => {
    await replica.query('SELECT pg_wal_replay_resume()');
  });

  it('reads streams on the replica, loads for a write on the primary, and reads its writes after waitForReplay', async () => {
    const repository = new EventRepository(primary, { readReplica: replica });
    await replica.query('SELECT pg_wal_replay_pause()');
    const account = BankAccount.open(randomUUID(), ada, 'EUR');
    account.deposit(25);
    await repository.save(account);

    expect(await repository.readStream(account.id), 'stale: the replica is paused').to.deep.equal(
      [],
    );
    expect((await repository.load(BankAccount, account.id)).balance).to.equal(25);
    const lsn = await writePosition(primary);
    const behind = await waitForReplay(replica, lsn, { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(behind).to.be.instanceOf(ReplicaBehindError);
    expect(behind).to.include({ lsn });

    await replica.query('SELECT pg_wal_replay_resume()');
    await waitForReplay(replica, lsn, { timeoutMs: 10_000 });
    const events = await repository.readStream(account.id);
    expect(events.map((e) => e.version)).to.deep.equal([1, 2]);
  });

  it('measures the replica lag in bytes and seconds, and checkHealth reports it', async () => {
    await replica.query('SELECT pg_wal_replay_pause()');
    await new EventRepository(primary).save(BankAccount.open(randomUUID(), ada, 'EUR'));
    const lag = await replicaLag(primary, replica);
    expect(lag.bytes).to.be.above(0);
    expect(lag.seconds).to.be.at.least(0);
    const report = await checkHealth(primary, {
      replicas: { standby: replica },
      thresholds: { replicaLagBytes: { warn: 1, critical: 1024 ** 4 } },
    });
    const check = report.checks.find((c) => c.name === 'replica:standby');
    expect(check?.status, check?.summary).to.equal('warn');
    expect(check?.facts.lagBytes).to.be.a('number').above(0);

    await replica.query('SELECT pg_wal_replay_resume()');
    await waitForReplay(replica, await writePosition(primary));
    const caughtUp = await replicaLag(primary, replica);
    expect(caughtUp.seconds).to.equal(0);
  });

  it('feeds an ordered projection runner from the replica, writing the read model on the primary', async () => {
    const projection = sensorTotals('totals_from_replica');
    const runner = new OrderedProjectionRunner(primary, projection, {
      pollIntervalMs: 20,
      lockRetryMs: 20,
      readReplica: replica,
    });
    runner.start();
    try {
      const repository = new EventRepository(primary);
      for (let n = 0; n < 10; n++) {
        const sensor = Sensor.register(randomUUID(), `s${n}`);
        sensor.read(n);
        await repository.save(sensor);
      }
      const truth = await expectedTotals(primary);
      await eventually('the read model to match the events', async () => {
        const totals = await readTotals(primary);
        return [...truth].every(([id, t]) => totals.get(id)?.readings === t.readings);
      });
      expect(await readTotals(primary)).to.deep.equal(truth);
    } finally {
      await runner.stop();
    }
  });
});
