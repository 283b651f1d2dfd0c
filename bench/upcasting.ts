/**
 * What upcasting costs. (1) Replaying one 1,000-event stream whose events are all stored at
 * version 1 of a version-3 class, so each goes through a two-step upcaster chain, against the
 * same replay of a stream stored at version 3 (no upcaster runs): loads of both interleaved one
 * by one, medians. (2) verifyReplay's throughput (events/s) over a table of `--events` rows
 * (default 100,000) in streams of 10, half stored at version 1, and the process's peak RSS.
 * Prints markdown; the numbers are recorded in bench/RESULTS.md.
 * `npm run bench:upcast [-- --events 1000000] [-- --rounds 40]`.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { DataSource } from 'typeorm';
import { Client } from 'pg';
import { LoadStatements } from '../src/infrastructure/load/load-statements';
import { IsIn, IsInt, Min } from 'class-validator';
import {
  Aggregate,
  AggregateRoot,
  Apply,
  createTesseraDataSource,
  DomainEvent,
  EventRepository,
  registerUpcaster,
  verifyReplay,
} from '../src';
import { createScratchDatabase, startLocalPostgres } from '../support/local-postgres';
import { collectServerInfo, formatSettings } from './machine-info';
import { median } from './median';

const TYPE = 'Bench.Upcast.Deposited';

@DomainEvent(TYPE, { version: 3 })
class Deposited {
  @IsInt() @Min(1) readonly cents: number;
  @IsIn(['EUR', 'USD']) readonly currency: string;
  constructor(cents: number, currency: string) {
    this.cents = cents;
    this.currency = currency;
  }
}
registerUpcaster<{ euros: number; currency: string }>({
  type: TYPE,
  fromVersion: 1,
  upcast: ({ euros, currency }) => ({ amount: euros, currency }),
});
registerUpcaster<{ amount: number; currency: string }>({
  type: TYPE,
  fromVersion: 2,
  upcast: ({ amount, currency }) => ({ cents: amount * 100, currency }),
});

// The same class and chain, with its first step written with object spread: in Node 20, spread
// of an object JSON.parse made takes the slow generic path (docs/schema-evolution.md).
const SPREAD_TYPE = 'Bench.Upcast.DepositedSpread';

@DomainEvent(SPREAD_TYPE, { version: 3 })
class DepositedSpread extends Deposited {}
registerUpcaster<{ euros: number; currency: string }>({
  type: SPREAD_TYPE,
  fromVersion: 1,
  upcast: ({ euros, ...rest }) => ({ ...rest, amount: euros }),
});
registerUpcaster<{ amount: number; currency: string }>({
  type: SPREAD_TYPE,
  fromVersion: 2,
  upcast: ({ amount, currency }) => ({ cents: amount * 100, currency }),
});

@Aggregate('Bench.Upcast.Account')
class Account extends AggregateRoot {
  cents = 0;
  @Apply(Deposited) protected onDeposited(event: Deposited): void {
    this.cents += event.cents;
  }
  @Apply(DepositedSpread) protected onDepositedSpread(event: DepositedSpread): void {
    this.cents += event.cents;
  }
}

function argument(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

/**
 * Rows by one set-based statement: `streams` streams of `perStream` events; a stream whose
 * number is in `v1` (`'all'`, `'none'`, `'odd'`) is stored at version 1 (`{ euros, currency }`),
 * the others at version 3 (`{ cents, currency }`): payloads of about the same size.
 */
async function generate(
  dataSource: DataSource,
  ids: string | null,
  streams: number,
  perStream: number,
  v1: 'all' | 'none' | 'odd',
  type = TYPE,
): Promise<void> {
  const old = { all: 'true', none: 'false', odd: 's.n % 2 = 1' }[v1];
  await dataSource.query(
    'INSERT INTO events (aggregate_id, aggregate_type, event_type, version, payload, metadata) ' +
      `SELECT s.id, 'Bench.Upcast.Account', $1, v, ` +
      `CASE WHEN ${old} THEN jsonb_build_object('euros', v, 'currency', 'EUR') ` +
      `ELSE jsonb_build_object('cents', v * 100, 'currency', 'EUR') END, ` +
      `jsonb_build_object('schemaVersion', CASE WHEN ${old} THEN 1 ELSE 3 END, ` +
      `'occurredAt', '2020-01-01T00:00:00.000Z') ` +
      'FROM (SELECT COALESCE($2::uuid, gen_random_uuid()) AS id, n ' +
      'FROM generate_series(1, $3::int) n) s, generate_series(1, $4::int) v',
    [type, ids, streams, perStream],
  );
}

async function replayRatio(dataSource: DataSource, rounds: number): Promise<string[]> {
  const ids = { current: randomUUID(), upcast: randomUUID(), spread: randomUUID() };
  await generate(dataSource, ids.current, 1, 1000, 'none');
  await generate(dataSource, ids.upcast, 1, 1000, 'all');
  await generate(dataSource, ids.spread, 1, 1000, 'all', SPREAD_TYPE);
  const repository = new EventRepository(dataSource);
  const times = { current: [] as number[], upcast: [] as number[], spread: [] as number[] };
  const load = async (id: string): Promise<number> => {
    const start = performance.now();
    const account = await repository.load(Account, id);
    const elapsed = performance.now() - start;
    if (account.version !== 1000 || account.cents !== 50_050_000) throw new Error('wrong state');
    return elapsed;
  };
  const variants = ['current', 'upcast', 'spread'] as const;
  for (let i = 0; i < 20; i++) for (const which of variants) await load(ids[which]);
  for (let r = 0; r < rounds; r++) {
    // Rotating which goes first, so none always runs on a warmer cache.
    for (let k = 0; k < variants.length; k++) {
      const which = variants[(r + k) % variants.length];
      times[which].push(await load(ids[which]));
    }
  }
  const [mc, mu, ms] = [median(times.current), median(times.upcast), median(times.spread)];
  return [
    '| replay of one 1,000-event stream | median ms | per event µs |',
    '| --- | ---: | ---: |',
    `| stored at the current version (no upcaster) | ${mc.toFixed(2)} | ${mc.toFixed(2)} |`,
    `| stored at version 1 (two-step chain per event) | ${mu.toFixed(2)} | ${mu.toFixed(2)} |`,
    `| ratio (target at most 1.25) | **${(mu / mc).toFixed(3)}** | ${rounds} interleaved rounds |`,
    `| the same chain, its first step with object spread | ${ms.toFixed(2)} | ratio ${(ms / mc).toFixed(3)} |`,
  ];
}

/**
 * What reading the schema version costs a load that needs no upcaster: the page statement as
 * loads run it, against the same statement without the `metadata->>'schemaVersion'` column (the
 * statement before upcasting existed), over the same 1,000-event stream on one connection,
 * rows as arrays as loads take them, interleaved, medians.
 */
async function versionColumnCost(url: string, rounds: number): Promise<string[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const id = randomUUID();
    await client.query('SELECT 1');
    const statements = new LoadStatements('"events"', '"snapshots"');
    const { sql, params } = statements.page(id, 0, 1001, 'Bench.Upcast.Account');
    const withVersion = sql.text;
    const without = withVersion.replace(`, metadata->>'schemaVersion' AS "schemaVersion"`, '');
    if (without === withVersion) throw new Error('the page statement changed: update the bench');
    await client.query(
      'INSERT INTO events (aggregate_id, aggregate_type, event_type, version, payload, metadata) ' +
        "SELECT $1, 'Bench.Upcast.Account', $2, v, jsonb_build_object('cents', v, 'currency', 'EUR'), " +
        "jsonb_build_object('schemaVersion', 3, 'occurredAt', '2020-01-01T00:00:00.000Z') " +
        'FROM generate_series(1, 1000) v',
      [id, TYPE],
    );
    const times = { with: [] as number[], without: [] as number[] };
    const run = async (text: string, name: string): Promise<number> => {
      const start = performance.now();
      const result = await client.query({ name, text, values: [...params], rowMode: 'array' });
      if (result.rows.length !== 1000) throw new Error('wrong row count');
      return performance.now() - start;
    };
    for (let i = 0; i < 20; i++) {
      await run(withVersion, 'with_version');
      await run(without, 'without_version');
    }
    for (let r = 0; r < rounds * 5; r++) {
      const first = r % 2 === 0;
      times[first ? 'with' : 'without'].push(
        await run(first ? withVersion : without, first ? 'with_version' : 'without_version'),
      );
      times[first ? 'without' : 'with'].push(
        await run(first ? without : withVersion, first ? 'without_version' : 'with_version'),
      );
    }
    const [mw, mo] = [median(times.with), median(times.without)];
    return [
      '| one page of 1,000 rows, read as arrays (prepared) | median ms |',
      '| --- | ---: |',
      `| without the schema version (before upcasting) | ${mo.toFixed(3)} |`,
      `| with \`metadata->>'schemaVersion'\` (as loads read now) | ${mw.toFixed(3)} |`,
      `| ratio | **${(mw / mo).toFixed(3)}** (${rounds * 5} interleaved rounds) |`,
    ];
  } finally {
    await client.end();
  }
}

async function verifyThroughput(dataSource: DataSource, events: number): Promise<string[]> {
  const perStream = 10;
  const streams = Math.ceil(events / perStream);
  const generationStart = performance.now();
  for (let done = 0; done < streams; done += 10_000) {
    await generate(dataSource, null, Math.min(10_000, streams - done), perStream, 'odd');
  }
  await dataSource.query('ANALYZE events');
  const generationS = (performance.now() - generationStart) / 1000;
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  const start = performance.now();
  const report = await verifyReplay(dataSource, {
    aggregates: [Account],
    onProgress: () => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    },
  });
  const seconds = (performance.now() - start) / 1000;
  if (!report.ok || report.events < streams * perStream) {
    throw new Error(`verifyReplay: ${JSON.stringify(report).slice(0, 500)}`);
  }
  const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);
  return [
    '| verifyReplay over the whole table | value |',
    '| --- | ---: |',
    `| events (streams of ${perStream}, half stored at version 1) | ${report.events.toLocaleString('en-US')} |`,
    `| streams | ${report.streams.toLocaleString('en-US')} |`,
    `| wall time | ${seconds.toFixed(1)} s |`,
    `| throughput | **${Math.round(report.events / seconds).toLocaleString('en-US')} events/s** |`,
    `| RSS before / peak during (sampled per page) | ${mib(rssBefore)} / ${mib(peakRss)} MiB |`,
    `| peak RSS of the process (maxRSS) | ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB |`,
    `| rows generated by set-based SQL in | ${generationS.toFixed(1)} s |`,
  ];
}

async function main(): Promise<void> {
  const events = argument('--events', 100_000);
  const rounds = argument('--rounds', 40);
  const server = await startLocalPostgres();
  const info = await collectServerInfo(server.url, server.embedded ? 'embedded' : 'DATABASE_URL');
  const scratch = await createScratchDatabase(server.url, 'tessera_bench_upcast');
  const dataSource = createTesseraDataSource({
    url: scratch.url,
    poolSize: 4,
    statementTimeoutMs: 0,
  });
  try {
    await dataSource.initialize();
    await dataSource.runMigrations();
    // The throughput run first, so its peak RSS is not the replay rounds'.
    const verify = await verifyThroughput(dataSource, events);
    const replay = await replayRatio(dataSource, rounds);
    const column = await versionColumnCost(scratch.url, rounds);
    console.log(`Server: ${formatSettings(info.settings)}\n`);
    console.log([...replay, '', ...column, '', ...verify].join('\n'));
  } finally {
    await dataSource.destroy();
    await scratch.drop();
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
