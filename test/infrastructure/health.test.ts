import { expect } from 'chai';
import type { MigrationInterface } from 'typeorm';
import { checkHealth, createTesseraDataSource, type HealthReport } from '../../src';
import { useTestDatabase } from '../support/database';

class NotYetRun1732599999999 implements MigrationInterface {
  name = 'NotYetRun1732599999999';
  async up(): Promise<void> {}
  async down(): Promise<void> {}
}

function check(report: HealthReport, name: string): HealthReport['checks'][number] {
  const found = report.checks.find((c) => c.name === name);
  if (!found) throw new Error(`no check ${name} in ${report.checks.map((c) => c.name).join(', ')}`);
  return found;
}

describe('checkHealth', () => {
  const db = useTestDatabase();

  it('reports connectivity, applied migrations, the events table sizes and maintenance', async () => {
    const report = await checkHealth(db.dataSource);
    expect(check(report, 'connectivity').status).to.equal('ok');
    expect(check(report, 'migrations')).to.deep.include({ status: 'ok' });
    expect(check(report, 'migrations').facts.pending).to.equal(0);
    const size = check(report, 'events-size');
    expect(size.facts.totalBytes).to.be.a('number').above(0);
    expect(size.facts.indexBytes).to.be.a('number').above(0);
    expect(check(report, 'events-maintenance').status).to.equal('ok');
    expect(['ok', 'warn', 'critical']).to.include(report.status);
  });

  it('is critical with the names of pending migrations', async () => {
    const dataSource = createTesseraDataSource({
      url: db.url,
      migrations: [NotYetRun1732599999999],
    });
    await dataSource.initialize();
    try {
      const report = await checkHealth(dataSource);
      const migrations = check(report, 'migrations');
      expect(migrations.status).to.equal('critical');
      expect(migrations.summary).to.include('NotYetRun1732599999999');
      expect(report.status).to.equal('critical');
    } finally {
      await dataSource.destroy();
    }
  });

  it('names the oldest open transaction, which holds back the ordered feed', async () => {
    const runner = db.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const [{ pid }] = (await runner.query(
        'SELECT pg_backend_pid() AS pid, pg_current_xact_id()',
      )) as { pid: number }[];
      const report = await checkHealth(db.dataSource, {
        thresholds: { oldestTransactionSeconds: { warn: 0, critical: 86_400 } },
      });
      const oldest = check(report, 'oldest-transaction');
      expect(oldest.status).to.equal('warn');
      expect(oldest.facts.ageSeconds).to.be.a('number').at.least(0);
      // Another client of a shared server may hold an older one; ours is found otherwise.
      const [{ older }] = await db.dataSource.query<{ older: number }[]>(
        `SELECT count(*)::int AS older FROM pg_stat_activity
          WHERE backend_xid IS NOT NULL AND pid <> $1 AND pid <> pg_backend_pid()`,
        [pid],
      );
      if (older === 0) expect(oldest.facts.pid).to.equal(pid);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });

  it('is critical when the database cannot be reached', async () => {
    const dataSource = createTesseraDataSource({ url: db.url });
    await dataSource.initialize();
    await dataSource.destroy();
    const report = await checkHealth(dataSource);
    expect(report.status).to.equal('critical');
    expect(report.checks.map((c) => c.name)).to.deep.equal(['connectivity']);
  });
});
