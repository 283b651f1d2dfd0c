import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { BankAccount, Owner } from '../../examples/bank-account';
import { ConcurrencyError, EventRepository, FEED_START, OrderedEventReader } from '../../src';
import { eventually, useScratchDatabase } from '../change-feed/support/scratch-database';
import { captureReplication } from '../support/replication-capture';

const REPO = join(__dirname, '..', '..');
const CLI = join(REPO, 'src', 'cli', 'main.ts');

/** Runs `tessera <args>` from source in a child process; resolves with its exit code and output. */
async function tessera(url: string, args: readonly string[]) {
  const child = spawn(process.execPath, ['-r', 'ts-node/register', CLI, ...args], {
    cwd: REPO,
    env: { ...process.env, DATABASE_URL: url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

describe('the online migration to hash partitions by aggregate_id', function () {
  this.timeout(180_000);
  const db = useScratchDatabase({ logical: true, poolSize: 6 });
  const owner = new Owner('Ada', 'ada@example.com');
  const ids = Array.from({ length: 40 }, () => randomUUID());

  it('copies in batches while appends go on, switches, and keeps versions, feeds and conflicts', async () => {
    const repository = new EventRepository(db.dataSource);
    const balances = new Map<string, number>();
    await repository.saveAll(
      ids.map((id, i) => {
        const account = BankAccount.open(id, owner, 'EUR');
        for (let d = 0; d < i % 6; d++) account.deposit(10);
        balances.set(id, 10 * (i % 6));
        return account;
      }),
    );
    const reader = new OrderedEventReader(db.dataSource);
    const seeded = await reader.readPage(FEED_START, { limit: 10_000 });

    const { consumer, received } = await captureReplication(
      db.dataSource,
      `partition_test_${process.pid}`,
    );
    try {
      // A writer appends all through the copy and the switch.
      let writing = true;
      let appended = 0;
      const writer = (async () => {
        for (let i = 0; writing; i++) {
          const id = ids[i % ids.length];
          await repository.update(BankAccount, id, (a) => a.deposit(1), { retries: 50 });
          balances.set(id, balances.get(id)! + 1);
          appended += 1;
        }
      })();
      const run = await tessera(db.url, ['partition', '--partitions', '4', '--batch-size', '20']);
      writing = false;
      await writer;
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.match(/^copied events: \d+\/\d+$/m);
      expect(run.stdout).to.contain('events is now hash-partitioned (4 partitions)');
      expect(appended).to.be.greaterThan(0);

      const [{ kind }] = await db.dataSource.query<{ kind: string }[]>(
        "SELECT relkind::text AS kind FROM pg_class WHERE oid = 'events'::regclass",
      );
      expect(kind).to.equal('p');
      const [{ viaRoot, tables }] = await db.dataSource.query<
        { viaRoot: boolean; tables: string[] }[]
      >(
        'SELECT p.pubviaroot AS "viaRoot", array(SELECT tablename::text FROM pg_publication_tables t ' +
          "WHERE t.pubname = p.pubname) AS tables FROM pg_publication p WHERE pubname = 'tessera_events'",
      );
      expect(viaRoot).to.equal(true);
      expect(tables).to.deep.equal(['events']);
      const [{ total, streams, gaps }] = await db.dataSource.query<
        { total: number; streams: number; gaps: number }[]
      >(
        'SELECT count(*)::int AS total, count(DISTINCT aggregate_id)::int AS streams, ' +
          '(SELECT count(*)::int FROM (SELECT aggregate_id FROM events GROUP BY aggregate_id ' +
          'HAVING max(version) <> count(*)) g) AS gaps FROM events',
      );
      expect(total).to.equal(seeded.events.length + appended);
      expect(streams).to.equal(ids.length);
      expect(gaps).to.equal(0);
      for (const [id, balance] of balances) {
        expect((await repository.load(BankAccount, id)).balance).to.equal(balance);
      }

      // UNIQUE (aggregate_id, version) still decides conflicts, now per partition.
      const [a, b] = [
        await repository.load(BankAccount, ids[0]),
        await repository.load(BankAccount, ids[0]),
      ];
      a.deposit(1);
      b.deposit(2);
      await repository.save(a);
      expect(await repository.save(b).catch((e: unknown) => e)).to.be.instanceOf(ConcurrencyError);
      const reopened = BankAccount.open(ids[1], owner, 'EUR');
      expect(await repository.save(reopened).catch((e: unknown) => e)).to.be.instanceOf(
        ConcurrencyError,
      );

      // The feeds: the copy was not published; the writer's appends and later ones were, once.
      await eventually('the last append', () =>
        received.some((tx) =>
          tx.events.some((e) => e.aggregateId === ids[0] && e.version === a.version),
        ),
      );
      const published = received.flatMap((tx) =>
        tx.events.map((e) => `${e.aggregateId}:${e.version}`),
      );
      expect(published).to.have.length(appended + 1);
      expect(new Set(published).size).to.equal(published.length);
      const fromCheckpoint = await reader.readPage(seeded.checkpoint, { limit: 10_000 });
      expect(fromCheckpoint.events).to.have.length(appended + 1);
    } finally {
      await consumer.stop();
      await consumer.dropSlot();
    }

    const again = await tessera(db.url, ['partition', '--json']);
    expect(again.code, again.stderr).to.equal(0);
    expect(JSON.parse(again.stdout)).to.deep.equal({ partitioned: true, copied: 0 });
  });
});
