import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  DirectConnectionRequiredError,
  EventRepository,
  OrderedProjectionRunner,
  ReplicationProjectionRunner,
  type Projection,
  type ProjectionContext,
} from '../../src';
import { Sensor } from '../change-feed/support/feed-test-events';
import { eventually } from '../change-feed/support/scratch-database';
import {
  CreateSensorTotals1732600000001,
  expectedTotals,
  readTotals,
  sensorTotals,
} from '../projections/support/sensor-totals';
import { usePooledDatabase } from './support/pooled-database';

const LEASE_MS = 800;

async function appendSensors(dataSource: DataSource, sensors: number): Promise<void> {
  const repository = new EventRepository(dataSource);
  for (let n = 0; n < sensors; n++) {
    const sensor = Sensor.register(randomUUID(), `s${n}`);
    for (let r = 0; r <= n % 3; r++) sensor.read(n + r);
    await repository.save(sensor);
  }
}

/** Samples both runners' `active` on every turn of the event loop until stopped. */
function sampleActive(runners: readonly OrderedProjectionRunner[]): {
  stop(): { samples: number; bothActive: number };
} {
  let samples = 0;
  let bothActive = 0;
  let running = true;
  const tick = (): void => {
    if (!running) return;
    samples += 1;
    if (runners.filter((r) => r.active).length > 1) bothActive += 1;
    setImmediate(tick);
  };
  setImmediate(tick);
  return {
    stop: () => {
      running = false;
      return { samples, bothActive };
    },
  };
}

describe('OrderedProjectionRunner behind PgBouncer (transaction pooling): leadership by lease', function () {
  this.timeout(60_000);
  const db = usePooledDatabase({ migrations: [CreateSensorTotals1732600000001] });

  function runner(
    dataSource: DataSource,
    projection: Projection<ProjectionContext>,
  ): OrderedProjectionRunner {
    return new OrderedProjectionRunner(dataSource, projection, {
      pollIntervalMs: 20,
      lockRetryMs: 20,
      batchSize: 10,
      leaseMs: LEASE_MS,
    });
  }

  it('keeps one runner active at every sample, fails over within the lease, applies each event once and leaves nothing held', async () => {
    const writer = await db.open();
    const first = await db.open();
    const second = await db.open();
    const projection = sensorTotals('totals_leased');
    const a = runner(first, projection);
    const b = runner(second, projection);
    const sampler = sampleActive([a, b]);
    try {
      a.start();
      await eventually('a to lead', () => a.active);
      b.start();
      await appendSensors(writer, 30);
      await eventually('a to apply', () => a.appliedEvents > 0);
      expect(b.active, 'the standby').to.equal(false);

      // a stops gracefully: it releases the lease and b leads at once.
      await a.stop();
      await eventually('b to lead after a released', () => b.active, LEASE_MS);

      // b's process loses its database: its renewals fail, and a, started again, takes over
      // once b's lease has expired, within a lease (plus a retry) of b's last renewal.
      a.start();
      await first.query('SELECT 1');
      const lostAt = Date.now();
      await second.destroy();
      await eventually('b to see its lease lapse', () => !b.active, LEASE_MS);
      await eventually('a to lead again', () => a.active, 2 * LEASE_MS);
      expect(Date.now() - lostAt).to.be.below(2 * LEASE_MS);

      await appendSensors(writer, 20);
      const truth = await expectedTotals(writer);
      await eventually('the read model to match the events', async () => {
        const totals = await readTotals(writer);
        return [...truth].every(([id, t]) => totals.get(id)?.readings === t.readings);
      });
      expect(await readTotals(writer)).to.deep.equal(truth);
    } finally {
      await a.stop();
      await b.stop();
    }
    const { samples, bothActive } = sampler.stop();
    expect(samples).to.be.above(100);
    expect(bothActive, `samples with both runners active out of ${samples}`).to.equal(0);

    const [lease] = await writer.query<{ released: boolean }[]>(
      "SELECT expires_at = '-infinity' AS released FROM projection_leases WHERE name = $1",
      [projection.name],
    );
    expect(lease.released, 'lease released by the last stop').to.equal(true);
    const [{ held }] = await writer.query<{ held: number }[]>(
      "SELECT count(*)::int AS held FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    );
    expect(held, 'advisory locks left on pooled server sessions').to.equal(0);
  });

  it('refuses to start a replication runner whose connections would go through the pooler', async () => {
    const dataSource = await db.open();
    const refused = new ReplicationProjectionRunner(dataSource, sensorTotals('totals_replicated'));
    expect(() => refused.start()).to.throw(DirectConnectionRequiredError, /replicationConnection/);
    expect(refused.active).to.equal(false);
  });
});
