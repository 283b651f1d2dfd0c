import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { EventRepository, verifyReplay, type ReplayProgress } from '../../src';
import { useTestDatabase } from '../support/database';
import { insertRawEvents } from '../support/insert-raw-events';
import { DEPOSITED, OLD_HISTORY, SnapAccount, UpcastAccount } from '../support/upcast-account';

const ACCOUNT = 'Test.Upcast.Account';

/** `streams` streams of two version 1 deposits each, written by one set-based statement. */
async function generateStreams(dataSource: DataSource, streams: number): Promise<void> {
  await dataSource.query(
    'INSERT INTO events (aggregate_id, aggregate_type, event_type, version, payload, metadata) ' +
      "SELECT id, $1, $2, v, jsonb_build_object('amount', v), " +
      `jsonb_build_object('schemaVersion', 1, 'occurredAt', '2020-01-01T00:00:00.000Z') ` +
      'FROM (SELECT gen_random_uuid() AS id FROM generate_series(1, $3)) s, generate_series(1, 2) v',
    [ACCOUNT, DEPOSITED, streams],
  );
}

function runChild(url: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = join(__dirname, 'support', 'replay-verify-child.ts');
  const child = spawn(process.execPath, ['--require', 'ts-node/register', script, url], {
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('verifyReplay: one corrupted stream among 10,000', () => {
  const db = useTestDatabase();
  let corrupted: string;

  before(async function () {
    this.timeout(120_000);
    await generateStreams(db.dataSource, 10_000);
    corrupted = randomUUID();
    // Its second event lost the field the version 1 upcaster needs.
    await insertRawEvents(db.dataSource, corrupted, ACCOUNT, [
      { eventType: DEPOSITED, payload: { amount: 1 }, schemaVersion: 1 },
      { eventType: DEPOSITED, payload: { sum: 2 }, schemaVersion: 1 },
    ]);
    await db.dataSource.query('ANALYZE events');
  });

  it('reports exactly that stream with its id, version and reason, in pages', async function () {
    this.timeout(120_000);
    const progress: ReplayProgress[] = [];
    const report = await verifyReplay(db.dataSource, {
      aggregates: [UpcastAccount],
      pageSize: 3000,
      onProgress: (p) => progress.push(p),
    });
    expect(report).to.include({ ok: false, streams: 10_001, events: 20_002, failedStreams: 1 });
    expect(report.failures).to.have.length(1);
    expect(report.failures[0]).to.include({
      aggregateId: corrupted,
      aggregateType: ACCOUNT,
      version: 2,
      eventType: DEPOSITED,
      code: 'TESSERA_UPCAST_FAILED',
    });
    expect(report.failures[0].message).to.include('needs an amount');
    expect(progress.length).to.equal(Math.ceil(20_002 / 3000));
    expect(progress.map((p) => p.events)).to.deep.equal(
      [...progress.keys()].map((i) => Math.min(20_002, (i + 1) * 3000)),
    );
    expect(progress[0].estimatedEvents).to.be.within(15_000, 25_000);
  });

  it('a CI job exits non-zero on it, printing the failure', async function () {
    this.timeout(120_000);
    const { code, stdout, stderr } = await runChild(db.url);
    expect(stderr).to.equal('');
    expect(code).to.equal(1);
    const report = JSON.parse(stdout) as { failures: { aggregateId: string }[] };
    expect(report.failures.map((f) => f.aggregateId)).to.deep.equal([corrupted]);
  });

  it('checks a deterministic sample of the streams', async function () {
    this.timeout(120_000);
    const first = await verifyReplay(db.dataSource, { aggregates: [UpcastAccount], sample: 0.1 });
    const again = await verifyReplay(db.dataSource, { aggregates: [UpcastAccount], sample: 0.1 });
    expect(first.streams).to.be.within(800, 1200);
    expect(again.streams).to.equal(first.streams);
    expect(first.events).to.equal(first.streams * 2);
  });
});

describe('verifyReplay: what no longer loads', () => {
  const db = useTestDatabase();
  const ids: Record<string, string> = {};

  before(async () => {
    const stream = async (
      name: string,
      events: Parameters<typeof insertRawEvents>[3],
      type = ACCOUNT,
    ) => {
      ids[name] = randomUUID();
      await insertRawEvents(db.dataSource, ids[name], type, events);
    };
    await stream('old history', OLD_HISTORY);
    await stream('unknown type', [
      { eventType: 'Test.Upcast.Nothing', payload: {}, schemaVersion: 1 },
    ]);
    await stream('invalid', [
      { eventType: DEPOSITED, payload: { cents: -1, currency: 'EUR' }, schemaVersion: 3 },
    ]);
    await stream('newer', [{ eventType: DEPOSITED, payload: { cents: 1 }, schemaVersion: 9 }]);
    await stream(
      'no class',
      [{ eventType: DEPOSITED, payload: { amount: 1 } }],
      'Test.Upcast.Gone',
    );
    const repository = new EventRepository(db.dataSource);
    const snap = new SnapAccount(randomUUID());
    for (let i = 1; i <= 3; i++) snap.deposit(i);
    await repository.save(snap);
    ids.snap = snap.id;
  });

  it('names each failing stream with the version, type and reason; good ones pass', async () => {
    const report = await verifyReplay(db.dataSource, { aggregates: [UpcastAccount, SnapAccount] });
    expect(report.streams).to.equal(6);
    expect(report.failedStreams).to.equal(4);
    const byId = new Map(report.failures.map((f) => [f.aggregateId, f]));
    expect(byId.has(ids['old history'])).to.equal(false);
    expect(byId.has(ids.snap)).to.equal(false);
    expect(byId.get(ids['unknown type'])).to.include({
      version: 1,
      code: 'TESSERA_UNKNOWN_EVENT_TYPE',
    });
    expect(byId.get(ids.invalid)).to.include({ version: 1, code: 'TESSERA_INVALID_EVENT' });
    expect(byId.get(ids.newer)).to.include({ version: 1, code: 'TESSERA_EVENT_FROM_NEWER_CODE' });
    expect(byId.get(ids['no class'])).to.include({ version: 0, code: 'UNKNOWN_AGGREGATE_TYPE' });
  });

  it('checks only one aggregate type when asked, and keeps at most maxFailures', async () => {
    const snaps = await verifyReplay(db.dataSource, {
      aggregates: [UpcastAccount, SnapAccount],
      aggregateType: 'Test.Upcast.SnapAccount',
    });
    expect(snaps).to.include({ ok: true, streams: 1, events: 3 });
    const capped = await verifyReplay(db.dataSource, {
      aggregates: [UpcastAccount],
      maxFailures: 2,
      pageSize: 1,
    });
    expect(capped.failedStreams).to.equal(5);
    expect(capped.failures).to.have.length(2);
  });

  it('refuses options it cannot honour', async () => {
    for (const bad of [{ sample: 0 }, { sample: 2 }, { pageSize: 0 }, { maxFailures: -1 }]) {
      const error = await verifyReplay(db.dataSource, { aggregates: [], ...bad }).catch(
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(TypeError);
    }
  });
});
