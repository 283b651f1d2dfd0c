import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { BankAccount, Owner } from '../../examples/bank-account';
import { EventRepository, OrderedEventReader, FEED_START, StreamArchivedError } from '../../src';
import { EventArchiver } from '../../src/infrastructure/archive/event-archiver';
import { eventually, useScratchDatabase } from '../change-feed/support/scratch-database';
import { captureReplication } from '../support/replication-capture';

const REPO = join(__dirname, '..', '..');
const CLI = join(REPO, 'src', 'cli', 'main.ts');
const POLICY = ['--older-than', '90 days', '--streams-per-batch', '3'];

/** Every stored event, hot and archived, as `where:aggregate:version`, and the ids. */
async function inventory(dataSource: DataSource) {
  const rows = await dataSource.query<
    { id: string; aggregate: string; version: number; archived: boolean }[]
  >(
    'SELECT id::text, aggregate_id::text AS aggregate, version, false AS archived FROM events ' +
      'UNION ALL SELECT id::text, aggregate_id::text, version, true FROM events_archive',
  );
  const ids = rows.map((r) => r.id);
  const versions = new Map<string, number[]>();
  for (const r of rows)
    versions.set(r.aggregate, [...(versions.get(r.aggregate) ?? []), r.version]);
  for (const list of versions.values()) list.sort((x, y) => x - y);
  return {
    total: rows.length,
    distinctIds: new Set(ids).size,
    archived: rows.filter((r) => r.archived).length,
    versions,
  };
}

/** Runs `tessera archive` (from source, through ts-node) in a child process. */
function archiver(url: string, extra: readonly string[] = []) {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register', CLI, 'archive', ...POLICY, ...extra],
    {
      cwd: REPO,
      env: { ...process.env, DATABASE_URL: url },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return { child, exited, output: () => output };
}

describe('archival: a batch per transaction, safe to kill and rerun', function () {
  this.timeout(120_000);
  const db = useScratchDatabase({ logical: true, poolSize: 4 });
  const owner = new Owner('Ada', 'ada@example.com');
  const idle = Array.from({ length: 10 }, () => randomUUID());
  const active = randomUUID();
  const balances = new Map<string, number>();
  let expectedVersions: Map<string, number[]>;

  before(async () => {
    const repository = new EventRepository(db.dataSource);
    const accounts = idle.map((id, i) => {
      const account = BankAccount.open(id, owner, 'EUR');
      for (let d = 0; d <= i % 5; d++) account.deposit(10 + d);
      return account;
    });
    await repository.saveAll(accounts);
    await db.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT set_config('tessera.allow_event_mutation', 'on', true)`);
      await manager.query(`UPDATE events SET created_at = created_at - interval '200 days'`);
    });
    const recent = BankAccount.open(active, owner, 'EUR');
    recent.deposit(5);
    await repository.save(recent);
    for (const id of [...idle, active]) {
      balances.set(id, (await repository.load(BankAccount, id)).balance);
    }
    expectedVersions = (await inventory(db.dataSource)).versions;
  });

  it('moves every idle stream but its head exactly once, though killed mid-batch', async () => {
    const start = await inventory(db.dataSource);
    const toMove = idle.reduce((sum, id) => sum + start.versions.get(id)!.length - 1, 0);

    // Run 1: one batch, committed.
    const first = archiver(db.url, ['--max-batches', '1']);
    expect((await first.exited)[0], first.output()).to.equal(0);
    const afterFirst = await inventory(db.dataSource);
    expect(afterFirst.archived).to.be.greaterThan(0);

    // Run 2: hold a lock its DELETE waits for, so it is caught after copying a batch into the
    // archive and before removing it from events; kill it there. The lock is taken while the
    // batch waits for the transactions open when it kept its keys (an open one holds it there),
    // so the batch waits for that one only, then runs into the lock.
    const gate = db.dataSource.createQueryRunner();
    await gate.connect();
    await gate.startTransaction();
    await gate.query('SELECT 1');
    const killed = archiver(db.url);
    await eventually('the archiver waiting for open transactions', async () => {
      const rows = await db.dataSource.query<unknown[]>(
        "SELECT 1 FROM pg_stat_activity WHERE application_name = 'tessera-cli' " +
          "AND datname = current_database() AND query LIKE 'SELECT count(*)::int AS left FROM pg_locks%'",
      );
      return rows.length > 0;
    });
    const blocker = db.dataSource.createQueryRunner();
    await blocker.connect();
    await blocker.startTransaction();
    await blocker.query('LOCK TABLE events IN SHARE MODE');
    await gate.rollbackTransaction();
    await gate.release();
    let backend = 0;
    await eventually(
      'the archiver blocked on its DELETE',
      async () => {
        const rows = await db.dataSource.query<{ pid: number }[]>(
          "SELECT pid FROM pg_stat_activity WHERE application_name = 'tessera-cli' " +
            "AND datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'DELETE FROM \"events\"%'",
        );
        backend = rows[0]?.pid ?? 0;
        return backend !== 0;
      },
      60_000,
    );
    killed.child.kill('SIGKILL');
    expect((await killed.exited)[1]).to.equal('SIGKILL');
    // Its server session outlives the process until it notices; end it, then release the lock.
    await db.dataSource.query('SELECT pg_terminate_backend($1)', [backend]);
    await blocker.rollbackTransaction();
    await blocker.release();
    await eventually('the killed session gone', async () => {
      const rows = await db.dataSource.query<unknown[]>(
        'SELECT 1 FROM pg_stat_activity WHERE pid = $1',
        [backend],
      );
      return rows.length === 0;
    });
    const afterKill = await inventory(db.dataSource);
    expect(afterKill.total).to.equal(start.total);
    expect(afterKill.distinctIds).to.equal(start.total);
    expect(afterKill.archived).to.equal(afterFirst.archived);

    // Run 3: to the end.
    const rerun = archiver(db.url, ['--json']);
    expect((await rerun.exited)[0], rerun.output()).to.equal(0);
    const end = await inventory(db.dataSource);
    expect(end.total).to.equal(start.total);
    expect(end.distinctIds).to.equal(start.total);
    expect(end.archived).to.equal(toMove);
    expect(end.versions).to.deep.equal(expectedVersions);
    const heads = await db.dataSource.query<{ aggregate: string; version: number }[]>(
      'SELECT aggregate_id::text AS aggregate, version FROM events',
    );
    for (const id of idle) {
      expect(heads.filter((h) => h.aggregate === id).map((h) => h.version)).to.deep.equal([
        expectedVersions.get(id)!.length,
      ]);
    }
    expect(heads.filter((h) => h.aggregate === active)).to.have.length(2);

    const repository = new EventRepository(db.dataSource);
    for (const [id, balance] of balances) {
      expect((await repository.load(BankAccount, id)).balance).to.equal(balance);
    }
    // Nothing left: a further run moves nothing.
    expect(await new EventArchiver(db.dataSource).pending({ olderThan: '90 days' })).to.deep.equal({
      streams: 0,
      events: 0,
    });
  });

  it('travels in time through an archived stream: asOfVersion and asOf read the archive', async () => {
    // idle[4]: opened, then deposits of 10..14 (versions 2..6); the run above archived 1..5.
    const id = idle[4];
    const archived = await db.dataSource.query<{ version: number }[]>(
      'SELECT version FROM events_archive WHERE aggregate_id = $1 ORDER BY version',
      [id],
    );
    expect(archived.map((r) => r.version)).to.deep.equal([1, 2, 3, 4, 5]);
    const repository = new EventRepository(db.dataSource);
    const atThree = await repository.load(BankAccount, id, { asOfVersion: 3 });
    expect(atThree).to.include({ version: 3, balance: 10 + 11 });
    const whole = await repository.load(BankAccount, id, { asOfVersion: 6 });
    expect(whole).to.include({ version: 6, balance: balances.get(id) });
    // One saveAll wrote the stream: every event has its transaction's time.
    const [first] = await repository.readStream(id, { fromVersion: 1, toVersion: 1 });
    const at = first.createdAt ?? expect.fail('a stored event carries its time');
    const byTime = await repository.load(BankAccount, id, { asOf: at });
    expect(byTime).to.include({ version: 6, balance: balances.get(id) });
    const before = new Date(at.getTime() - 1);
    expect(await repository.tryLoad(BankAccount, id, { asOf: before })).to.equal(null);

    const strict = new EventRepository(db.dataSource, { archivedStreams: 'fail' });
    const refused = await strict.load(BankAccount, id, { asOfVersion: 3 }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).to.be.instanceOf(StreamArchivedError).and.include({ firstHotVersion: 6 });
  });

  it('leaves the change feeds undisturbed: no event re-published, the ordered feed unchanged', async () => {
    const repository = new EventRepository(db.dataSource);
    const later = BankAccount.open(randomUUID(), owner, 'EUR');
    for (let d = 0; d < 3; d++) later.deposit(1);
    await repository.save(later);
    await db.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT set_config('tessera.allow_event_mutation', 'on', true)`);
      await manager.query(
        `UPDATE events SET created_at = created_at - interval '200 days' WHERE aggregate_id = $1`,
        [later.id],
      );
    });
    const reader = new OrderedEventReader(db.dataSource);
    const before = await reader.readPage(FEED_START, { limit: 10_000 });

    const { consumer, received } = await captureReplication(
      db.dataSource,
      `archive_test_${process.pid}`,
    );
    try {
      const archived = archiver(db.url);
      expect((await archived.exited)[0], archived.output()).to.equal(0);
      const marker = BankAccount.open(randomUUID(), owner, 'EUR');
      await repository.save(marker);
      await eventually('the marker event', () => received.some((tx) => tx.events.length > 0));
      expect(received.flatMap((tx) => tx.events.map((e) => e.aggregateId))).to.deep.equal([
        marker.id,
      ]);
    } finally {
      await consumer.stop();
      await consumer.dropSlot();
    }
    const moved = await db.dataSource.query<unknown[]>(
      'SELECT 1 FROM events_archive WHERE aggregate_id = $1',
      [later.id],
    );
    expect(moved).to.have.length(3);
    // A reader already past the archived events reads only what is new after its checkpoint.
    const next = await reader.readPage(before.checkpoint, { limit: 10_000 });
    expect(next.events.map((e) => e.aggregateId)).to.have.length(1);
    expect(await repository.load(BankAccount, later.id)).to.have.property('version', 4);
  });

  it('does not archive a stream an ordered-feed projection has not read yet', async () => {
    const repository = new EventRepository(db.dataSource);
    const unread = BankAccount.open(randomUUID(), owner, 'EUR');
    unread.deposit(1);
    await repository.save(unread);
    await db.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT set_config('tessera.allow_event_mutation', 'on', true)`);
      await manager.query(
        `UPDATE events SET created_at = created_at - interval '200 days' WHERE aggregate_id = $1`,
        [unread.id],
      );
    });
    await db.dataSource.query(
      "INSERT INTO projection_checkpoints (name, transaction_id, position) VALUES ('behind', '1', 0)",
    );
    const archiver = new EventArchiver(db.dataSource);
    expect(await archiver.pending({ olderThan: '90 days' })).to.deep.equal({
      streams: 0,
      events: 0,
    });
    await db.dataSource.query("DELETE FROM projection_checkpoints WHERE name = 'behind'");
    expect(await archiver.pending({ olderThan: '90 days' })).to.deep.equal({
      streams: 1,
      events: 1,
    });
  });

  it('keeps the archive append-only: a DELETE without the escape hatch is refused (TS001)', async () => {
    const refused: unknown = await db.dataSource
      .query<unknown>('DELETE FROM events_archive')
      .catch((e: { driverError?: { code?: string } }) => e.driverError?.code);
    expect(refused).to.equal('TS001');
  });
});
