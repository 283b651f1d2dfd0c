import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { Projection, type ProjectionContext } from '../../../src';
import { ReadingTaken, SensorRegistered } from '../../change-feed/support/feed-test-events';

/** Creates the read model of the projection tests. */
export class CreateSensorTotals1732600000001 implements MigrationInterface {
  name = 'CreateSensorTotals1732600000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE sensor_totals (sensor_id uuid PRIMARY KEY, total bigint NOT NULL, readings int NOT NULL)',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE sensor_totals');
  }
}

/**
 * A projection whose effects are not idempotent (it adds), so any event applied twice or
 * skipped shows in the totals. `failEvery` makes every n-th handled reading throw once, after
 * its write, to prove the write is rolled back with the batch.
 */
export function sensorTotals(name: string, failEvery = 0): Projection<ProjectionContext> {
  let handled = 0;
  const failed = new Set<string>();
  return new Projection<ProjectionContext>(name)
    .on(SensorRegistered, async (_e, envelope, { manager }) => {
      await manager.query('INSERT INTO sensor_totals VALUES ($1, 0, 0)', [envelope.aggregateId]);
    })
    .on(ReadingTaken, async (event, envelope, { manager }) => {
      await manager.query(
        'UPDATE sensor_totals SET total = total + $2, readings = readings + 1 WHERE sensor_id = $1',
        [envelope.aggregateId, event.value],
      );
      handled += 1;
      if (failEvery > 0 && handled % failEvery === 0 && !failed.has(envelope.eventId)) {
        failed.add(envelope.eventId);
        throw new Error(`injected failure at ${envelope.eventId}`);
      }
    })
    .onReset(({ manager }) => manager.query('DELETE FROM sensor_totals'));
}

/** Totals as the read model has them. */
export async function readTotals(
  dataSource: DataSource,
): Promise<Map<string, { total: number; readings: number }>> {
  const rows = await dataSource.query<{ sensor_id: string; total: number; readings: number }[]>(
    'SELECT sensor_id, total::int AS total, readings FROM sensor_totals',
  );
  return new Map(rows.map((r) => [r.sensor_id, { total: r.total, readings: r.readings }]));
}

/** Totals as the events table has them: the truth. */
export async function expectedTotals(
  dataSource: DataSource,
): Promise<Map<string, { total: number; readings: number }>> {
  const rows = await dataSource.query<{ aggregate_id: string; total: number; readings: number }[]>(
    `SELECT aggregate_id, COALESCE(sum((payload->>'value')::int) FILTER (WHERE event_type = 'FeedTest.ReadingTaken'), 0)::int AS total,
            count(*) FILTER (WHERE event_type = 'FeedTest.ReadingTaken')::int AS readings
       FROM events WHERE aggregate_type = 'FeedTest.Sensor' GROUP BY aggregate_id`,
  );
  return new Map(rows.map((r) => [r.aggregate_id, { total: r.total, readings: r.readings }]));
}
