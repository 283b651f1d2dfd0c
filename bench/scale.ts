/**
 * The scale benchmark (`npm run bench:scale`, not part of `npm test` or `npm run bench`): the hot
 * path (S1 appends, S3 concurrent appends, a 1,000-event load) on an events table that already
 * holds TESSERA_SCALE_ROWS events (default 10,000,000), plain and hash-partitioned, against the
 * same layout empty; then archival throughput on the full tables. Rows are generated with
 * set-based SQL, not through the API. Rounds are interleaved across the four databases, and
 * each figure is the median of TESSERA_SCALE_ROUNDS rounds (default 5). Beside throughput, the
 * CPU each operation costs (this process and the whole server, from /proc): on a shared machine
 * throughput swings with other work, CPU per operation much less.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { v7 as timeOrderedUuid } from 'uuid';
import type { DataSource } from 'typeorm';
import { BankAccount, Owner } from '../examples/bank-account';
import { createTesseraDataSource, EventRepository } from '../src';
import { EventArchiver } from '../src/infrastructure/archive/event-archiver';
import { EventsPartitioner } from '../src/infrastructure/partitioning/events-partitioner';
import {
  createScratchDatabase,
  startLocalPostgres,
  type ScratchDatabase,
} from '../support/local-postgres';
import { DEPOSITED, depositedPayload, eventMetadata, OPENED, openedPayload } from './bank-events';
import { median } from './median';
import { postmasterPid, serverCpuSeconds } from './process-cpu';
import { prefillEvents } from './prefill-events';

const ROWS = integer('TESSERA_SCALE_ROWS', 10_000_000);
const ROUNDS = integer('TESSERA_SCALE_ROUNDS', 5);
/**
 * How the aggregates' ids are made, in the generated rows and in the timed appends: `random`
 * (UUIDv4, the default: an application's own ids may be) or `ordered` (UUIDv7, as
 * `AggregateRoot` makes them when given none).
 */
const AGGREGATE_IDS = aggregateIds(process.env.TESSERA_SCALE_AGGREGATE_IDS);
const newAggregateId = AGGREGATE_IDS === 'ordered' ? () => timeOrderedUuid() : () => randomUUID();
const EVENTS_PER_STREAM = 10;
const STREAMS_PER_STATEMENT = 100_000;
const S1_APPENDS = 1500;
const S3_APPENDS = 3000;
const S3_CONCURRENCY = 32;
const LOADS = 300;
const ARCHIVE_BATCHES = 10;
const ARCHIVE_STREAMS_PER_BATCH = 1000;
const GUARD_TRIGGER = 'trg_events_archived_stream_start';
const owner = new Owner('Ada Lovelace', 'ada@example.com');

// One statement per 100,000 streams of ten events: AccountOpened then deposits, created 200 days
// ago (so archival finds them idle), aggregate ids derived from the stream number (random, or
// in stream order with UUIDv7's layout), event ids time-ordered like those tessera writes
// (UUIDv7's layout: the creation time in milliseconds first).
const GENERATED_AGGREGATE_ID =
  AGGREGATE_IDS === 'ordered'
    ? `(lpad(to_hex(floor(extract(epoch FROM now() - interval '200 days') * 1000)::bigint + s), 12, '0') || '7' || substr(md5('scale-' || s), 1, 19))::uuid`
    : `md5('scale-' || s)::uuid`;
const GENERATE_SQL = `
  INSERT INTO events (id, aggregate_id, aggregate_type, event_type, version, payload, metadata, created_at)
  SELECT (lpad(to_hex(floor(extract(epoch FROM t.at) * 1000)::bigint), 12, '0') || '7' ||
          substr(md5(s || '-' || v), 1, 19))::uuid,
         ${GENERATED_AGGREGATE_ID}, 'BankAccount', CASE WHEN v = 1 THEN $3 ELSE $4 END, v,
         CASE WHEN v = 1 THEN $5::jsonb ELSE $6::jsonb END, $7::jsonb, t.at
    FROM generate_series($1::int, $2::int) AS s, generate_series(1, ${EVENTS_PER_STREAM}) AS v,
         LATERAL (SELECT now() - interval '200 days' + v * interval '1 millisecond' AS at) AS t`;

interface Target {
  readonly layout: 'plain' | 'partitioned';
  readonly rows: number;
  readonly scratch: ScratchDatabase;
  readonly dataSource: DataSource;
  readonly repository: EventRepository;
  readonly loadId: string;
}

type Scenario = 'S1' | 'S3' | 'load';
const SCENARIOS: readonly Scenario[] = ['S1', 'S3', 'load'];

// Sized as an operator would size a server holding this table (shared_buffers about a quarter of
// memory); empty and full tables run on the same server, so the ratio compares like with like.
const SERVER_FLAGS = ['-c', 'shared_buffers=4GB', '-c', 'max_wal_size=16GB'];

async function main(): Promise<void> {
  const server = await startLocalPostgres({ postgresFlags: SERVER_FLAGS });
  const targets: Target[] = [];
  try {
    for (const layout of ['plain', 'partitioned'] as const) {
      for (const rows of [0, ROWS]) targets.push(await prepare(server.url, layout, rows));
    }
    const postmaster = postmasterPid(server.dataDir);
    const results = new Map<string, Measurement[]>();
    for (let round = 0; round < ROUNDS; round++) {
      // Interleaved, in a rotating order: drift of the machine falls on every target alike.
      const order = targets.map((_, i) => targets[(i + round) % targets.length]);
      for (const target of order) {
        for (const scenario of SCENARIOS) {
          const measurement = await measure(target, scenario, postmaster);
          const key = `${target.layout}/${target.rows}/${scenario}`;
          results.set(key, [...(results.get(key) ?? []), measurement]);
        }
      }
      log(`round ${round + 1}/${ROUNDS} done`);
    }
    const archival: string[] = [];
    for (const target of targets.filter((t) => t.rows > 0)) {
      archival.push(`| ${target.layout} | ${Math.round(await archive(target))} |`);
    }
    report(results, archival);
  } finally {
    for (const target of targets) {
      await target.dataSource.destroy();
      await target.scratch.drop();
    }
    await server.stop();
  }
}

async function prepare(url: string, layout: Target['layout'], rows: number): Promise<Target> {
  const scratch = await createScratchDatabase(
    url,
    `tessera_scale_${layout}_${rows > 0 ? 'full' : 'empty'}`,
  );
  const dataSource = createTesseraDataSource({
    url: scratch.url,
    poolSize: 10,
    statementTimeoutMs: 0,
  });
  await dataSource.initialize();
  await dataSource.runMigrations();
  if (layout === 'partitioned') {
    for await (const _ of new EventsPartitioner(dataSource).run({ partitions: 16 })) void _;
  }
  if (rows > 0) await generate(dataSource, rows, layout);
  const loadId = await prefillEvents(dataSource, 1000);
  await dataSource.query('VACUUM ANALYZE events');
  // The generation's dirty pages written now, not by a checkpoint during the timed rounds.
  await dataSource.query('CHECKPOINT');
  return { layout, rows, scratch, dataSource, repository: new EventRepository(dataSource), loadId };
}

async function generate(dataSource: DataSource, rows: number, layout: string): Promise<void> {
  const streams = Math.ceil(rows / EVENTS_PER_STREAM);
  const started = Date.now();
  // Generated streams start at version 1, none under an archived id (the archive is empty): the
  // archived-stream guard would only cost a trigger call per stream here.
  await dataSource.query(`ALTER TABLE events DISABLE TRIGGER ${GUARD_TRIGGER}`);
  for (let first = 1; first <= streams; first += STREAMS_PER_STATEMENT) {
    const last = Math.min(streams, first + STREAMS_PER_STATEMENT - 1);
    await dataSource.query(GENERATE_SQL, [
      first,
      last,
      OPENED,
      DEPOSITED,
      JSON.stringify(openedPayload()),
      JSON.stringify(depositedPayload()),
      JSON.stringify(eventMetadata()),
    ]);
    log(
      `${layout}: ${last * EVENTS_PER_STREAM} of ${rows} rows (${Math.round((Date.now() - started) / 1000)} s)`,
    );
  }
  await dataSource.query(`ALTER TABLE events ENABLE ALWAYS TRIGGER ${GUARD_TRIGGER}`);
}

/** One timed run: operations per second, and CPU µs per operation (client, server). */
interface Measurement {
  readonly rate: number;
  readonly clientCpu: number;
  readonly serverCpu: number | undefined;
}

async function measure(
  target: Target,
  scenario: Scenario,
  postmaster: number | undefined,
): Promise<Measurement> {
  const { repository } = target;
  const serverBefore = serverCpuSeconds(postmaster);
  const clientBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  let operations = 0;
  if (scenario === 'S1') {
    for (; operations < S1_APPENDS; operations++) {
      await repository.save(BankAccount.open(newAggregateId(), owner, 'EUR'));
    }
  } else if (scenario === 'S3') {
    let issued = 0;
    const appender = async (): Promise<void> => {
      let account: BankAccount | undefined;
      while (issued < S3_APPENDS) {
        issued += 1;
        if (account === undefined) account = BankAccount.open(newAggregateId(), owner, 'EUR');
        else account.deposit(1);
        await repository.save(account);
      }
    };
    await Promise.all(Array.from({ length: S3_CONCURRENCY }, appender));
    operations = S3_APPENDS;
  } else {
    for (; operations < LOADS; operations++) await repository.load(BankAccount, target.loadId);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const client = process.cpuUsage(clientBefore);
  const serverAfter = serverCpuSeconds(postmaster);
  return {
    rate: operations / seconds,
    clientCpu: (client.user + client.system) / operations,
    serverCpu:
      serverBefore === undefined || serverAfter === undefined
        ? undefined
        : ((serverAfter - serverBefore) * 1e6) / operations,
  };
}

/** Events per second archived over a few batches of the full table. */
async function archive(target: Target): Promise<number> {
  const started = process.hrtime.bigint();
  let events = 0;
  const archiver = new EventArchiver(target.dataSource);
  for await (const batch of archiver.run({
    olderThan: '90 days',
    streamsPerBatch: ARCHIVE_STREAMS_PER_BATCH,
    maxBatches: ARCHIVE_BATCHES,
  })) {
    events = batch.totalEvents;
  }
  return events / (Number(process.hrtime.bigint() - started) / 1e9);
}

function report(results: Map<string, Measurement[]>, archival: readonly string[]): void {
  const lines = [
    `Rows: ${ROWS.toLocaleString('en')} (${EVENTS_PER_STREAM} events per stream), ${ROUNDS} interleaved rounds, medians; aggregate ids ${AGGREGATE_IDS}.`,
    '',
    '| layout | scenario | empty (ops/s) | full (ops/s) | full / empty | full / empty per round | CPU µs per op, empty (client + server) | full | server CPU full / empty |',
    '| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |',
  ];
  const of = (values: readonly (number | undefined)[]): number | undefined =>
    values.some((v) => v === undefined) ? undefined : median(values as number[]);
  const cpu = (c: number, s: number | undefined): string =>
    `${Math.round(c)} + ${s === undefined ? '—' : Math.round(s)}`;
  for (const layout of ['plain', 'partitioned']) {
    for (const scenario of SCENARIOS) {
      const empty = results.get(`${layout}/0/${scenario}`)!;
      const full = results.get(`${layout}/${ROWS}/${scenario}`)!;
      const rate = (m: readonly Measurement[]): number => median(m.map((x) => x.rate));
      const perRound = full.map((f, i) => (f.rate / empty[i].rate).toFixed(2)).join(' / ');
      const emptyServer = of(empty.map((m) => m.serverCpu));
      const fullServer = of(full.map((m) => m.serverCpu));
      lines.push(
        `| ${layout} | ${scenario} | ${Math.round(rate(empty))} | ${Math.round(rate(full))} | ` +
          `${(rate(full) / rate(empty)).toFixed(3)} | ${perRound} | ` +
          `${cpu(median(empty.map((m) => m.clientCpu)), emptyServer)} | ` +
          `${cpu(median(full.map((m) => m.clientCpu)), fullServer)} | ` +
          `${emptyServer === undefined || fullServer === undefined ? '—' : (fullServer / emptyServer).toFixed(3)} |`,
      );
    }
  }
  lines.push('', '| layout | archival (events/s) |', '| --- | ---: |', ...archival);
  process.stdout.write(`${lines.join('\n')}\n`);
}

function aggregateIds(raw: string | undefined): 'random' | 'ordered' {
  if (raw === undefined || raw === '' || raw === 'random') return 'random';
  if (raw === 'ordered') return 'ordered';
  throw new Error(`TESSERA_SCALE_AGGREGATE_IDS must be random or ordered, got ${raw}`);
}

function integer(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

function log(message: string): void {
  process.stderr.write(`[scale] ${message}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
