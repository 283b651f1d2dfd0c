import { expect } from 'chai';
import { Client } from 'pg';
import { createTesseraDataSource, EventRepository } from '../../src';
import {
  createScratchDatabase,
  startLocalPostgres,
  withClient,
  type LocalPostgres,
  type ScratchDatabase,
} from '../../support/local-postgres';
import { DURABLE_FLAGS } from './support/durable-flags';
import { AppendChildProcess, type ChildBatch } from './support/append-child-process';
import { Probe } from './support/probe';
import { budgetMs, reliability } from './support/reliability-parameters';
import { reportFigure } from './support/report-figure';

// How a save in flight fails when its server dies (as opposed to a refused connection).
const CUT_OFF =
  /Connection terminated unexpectedly|terminating connection|ECONNRESET|EPIPE|not queryable/i;

interface StoredRange {
  count: number;
  first: string | null;
  last: string | null;
}

async function storedRange(client: Client, batch: ChildBatch): Promise<StoredRange> {
  const { rows } = await client.query<StoredRange>(
    `SELECT count(*)::int AS count,
            min(id::text) FILTER (WHERE version = $2) AS first,
            min(id::text) FILTER (WHERE version = $3) AS last
       FROM events WHERE aggregate_id = $1 AND version BETWEEN $2 AND $3`,
    [batch.aggregateId, batch.fromVersion, batch.toVersion],
  );
  return rows[0];
}

describe('crash mid-append: PostgreSQL killed under big batches', function () {
  let server: LocalPostgres | undefined;
  let scratch: ScratchDatabase | undefined;
  let child: AppendChildProcess | undefined;

  before(async function () {
    this.timeout(120_000);
    server = await startLocalPostgres({ forceEmbedded: true, postgresFlags: [...DURABLE_FLAGS] });
    scratch = await createScratchDatabase(server.url, 'tessera_crash');
    const migrator = createTesseraDataSource({ url: scratch.url, poolSize: 1 });
    await migrator.initialize();
    await migrator.runMigrations();
    await migrator.destroy();
  });

  after(async function () {
    this.timeout(60_000);
    try {
      child?.kill();
    } finally {
      await server?.stop();
    }
  });

  it(`keeps every ${reliability.crashBatchEvents}-event batch whole or absent, and every acknowledged one, across ${reliability.crashes} kills`, async function () {
    this.timeout(budgetMs(90_000));
    const pg = server as LocalPostgres;
    const db = scratch as ScratchDatabase;
    const settings = await withClient(db.url, async (c) => {
      const { rows } = await c.query(
        "SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS synchronous_commit",
      );
      return rows[0] as Record<string, string>;
    });
    expect(settings).to.deep.equal({ fsync: 'on', synchronous_commit: 'on' });

    const appender = new AppendChildProcess(db.url, reliability.crashBatchEvents);
    child = appender;
    let killedInFlight = 0;
    for (let crash = 0; crash < reliability.crashes; crash++) {
      const acked = appender.acknowledged.length;
      // Kill as soon as the child starts a save after at least two more acknowledged ones: the
      // statement is then on its way or running when the postmaster gets SIGQUIT.
      await appender.waitUntil(
        () =>
          appender.acknowledged.length >= acked + 2 &&
          appender.batches[appender.batches.length - 1].outcome === 'pending',
        `two acknowledged saves and a new one before kill ${crash + 1}`,
      );
      killedInFlight += 1;
      await pg.kill('immediate');
      await pg.restart();
    }
    // The same child, never restarted, must append again: its pool recovered by itself.
    const ackedBeforeEnd = appender.acknowledged.length;
    await appender.waitUntil(
      () => appender.acknowledged.length > ackedBeforeEnd,
      'an acknowledged save after the last restart',
    );
    await appender.stop();
    expect(appender.protocolError).to.equal(undefined);

    const batches = appender.batches;
    const size = reliability.crashBatchEvents;
    let torn = 0;
    let lostAcknowledged = 0;
    let cutOff = 0;
    let inDoubtCommitted = 0;
    let expectedRows = 0;
    await withClient(db.url, async (client) => {
      for (const batch of batches) {
        const stored = await storedRange(client, batch);
        const whole =
          stored.count === size &&
          stored.first === batch.firstEventId &&
          stored.last === batch.lastEventId;
        if (stored.count !== 0 && !whole) torn += 1;
        if (batch.outcome === 'ack' && !whole) lostAcknowledged += 1;
        if (batch.outcome === 'fail' && CUT_OFF.test(batch.reason ?? '')) {
          cutOff += 1;
          if (whole) inDoubtCommitted += 1;
        }
        if (whole) expectedRows += size;
      }
      const { rows } = await client.query<{ count: number }>(
        'SELECT count(*)::int AS count FROM events',
      );
      expect(rows[0].count, 'rows that belong to no reported batch').to.equal(expectedRows);
    });

    // Every stream rehydrates: versions 1..n without gaps, all payloads readable.
    const reader = createTesseraDataSource({ url: db.url, poolSize: 2 });
    await reader.initialize();
    try {
      const repository = new EventRepository(reader);
      const ids = [...new Set(batches.map((b) => b.aggregateId))];
      let rehydrated = 0;
      for (const id of ids) {
        const probe = await repository.tryLoad(Probe, id);
        if (probe) {
          expect(probe.values.length).to.equal(probe.version);
          rehydrated += 1;
        }
      }
      expect(rehydrated).to.be.greaterThan(0);
    } finally {
      await reader.destroy();
    }

    const acknowledged = batches.filter((b) => b.outcome === 'ack').length;
    const failed = batches.filter((b) => b.outcome === 'fail').length;
    const refused = failed - cutOff;
    reportFigure(
      'crash mid-append',
      `${reliability.crashes} kills of PostgreSQL (SIGQUIT, as pg_ctl stop -m immediate; fsync on) ` +
        `under ${size}-event saves, ${batches.length} saves attempted, ${acknowledged} acknowledged, ` +
        `${cutOff} cut off by a kill (${inDoubtCommitted} of them committed whole, the rest absent), ` +
        `${refused} refused while the server was down, ${expectedRows} events stored, torn batches: ${torn}, ` +
        `acknowledged events lost: ${lostAcknowledged * size}`,
    );
    expect(killedInFlight).to.equal(reliability.crashes);
    expect(torn, 'batches partly stored').to.equal(0);
    expect(lostAcknowledged, 'acknowledged batches missing').to.equal(0);
    expect(cutOff, 'saves cut off by a kill').to.be.at.least(1);
  });
});
