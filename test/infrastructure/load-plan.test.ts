import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { LoadStatements } from '../../src/infrastructure/load/load-statements';
import { useTestDatabase } from '../support/database';

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

describe('EventRepository load query plan', () => {
  const db = useTestDatabase();

  it('reads a stream through the (aggregate_id, version) index', async () => {
    // Enough rows over enough aggregates that a sequential scan would be the wrong plan.
    await db.dataSource.query(
      `INSERT INTO events (aggregate_id, aggregate_type, event_type, version, payload, metadata)
       SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(a), 12, '0'))::uuid, 'Plan', 'Plan.E', v, '{}', '{}'
       FROM generate_series(1, 2000) a, generate_series(1, 10) v`,
    );
    await db.dataSource.query('ANALYZE events');
    const sql = new LoadStatements('events', 'snapshots');
    const queryRunner = db.dataSource.createQueryRunner();
    try {
      await queryRunner.query(`PREPARE load_page AS ${sql.page('', 0, 0, '').sql.text}`);
      // Force the generic plan: the one a prepared statement settles on after five executions.
      await queryRunner.query("SET plan_cache_mode = 'force_generic_plan'");
      const [row] = await queryRunner.query(
        `EXPLAIN (FORMAT JSON) EXECUTE load_page('${randomUUID()}', 0, 1000, 'Plan')`,
      );
      const plan = nodes(row['QUERY PLAN'][0].Plan);
      const scans = plan.filter((n) => /Scan/.test(n['Node Type']));
      expect(scans.map((n) => n['Node Type'])).to.deep.equal(['Index Scan']);
      expect(['uq_events_aggregate_version', 'idx_events_aggregate']).to.include(
        scans[0]['Index Name'],
      );
      expect(plan.map((n) => n['Node Type'])).not.to.include('Sort');

      // The first read of an aggregate with a snapshot policy: snapshot row and first page.
      await queryRunner.query(`PREPARE load_head AS ${sql.head('', 0, '', 0).sql.text}`);
      const [head] = await queryRunner.query(
        `EXPLAIN (FORMAT JSON) EXECUTE load_head('${randomUUID()}', 1, 'Plan', 1000)`,
      );
      const headPlan = nodes(head['QUERY PLAN'][0].Plan);
      // Table reads only (a Subquery Scan reads the limited page, not a table).
      const headScans = headPlan.filter(
        (n) => /Scan/.test(n['Node Type']) && n['Node Type'] !== 'Subquery Scan',
      );
      expect(headScans.map((n) => n['Node Type'])).to.deep.equal([
        'Index Scan',
        'Index Scan',
        'Index Scan',
      ]);
      expect(headScans.map((n) => n['Index Name'])).to.include('snapshots_pkey');
      expect(
        headScans.some((n) =>
          ['uq_events_aggregate_version', 'idx_events_aggregate'].includes(n['Index Name'] ?? ''),
        ),
      ).to.equal(true);
      expect(headPlan.map((n) => n['Node Type'])).not.to.include('Sort');
    } finally {
      await queryRunner.release();
    }
  });
});
