/**
 * `npm run bench:append [-- --config durable,cpu] [--rounds N]`: where the time of an append goes,
 * tessera against raw-prepared, split into parts that can be timed on their own. One process per
 * configuration (servers as in `npm run bench`), one scratch database; every variant runs the
 * same append shape (S1: one new account of one event; S2: one of ten; S6: ten of one), `rounds`
 * interleaved rounds after an untimed one, order rotated each round; the table gives the median
 * over rounds of wall-clock microseconds per append, and the CPU each side spent per append
 * (the contender's process, the whole server), averaged over all rounds.
 *
 * - **raw-prepared**: raw-prepared's append (its params, its INSERT, named, callback path).
 * - **tessera's statement on raw's path**: the statement and params tessera builds for the same
 *   append (`prepareAppend` and `AppendStatements.build`, client work included) sent the way raw
 *   sends its own: the difference to raw-prepared is the statement (its gap guard, casts, the
 *   stream's id sent once) plus tessera's client work.
 * - **... without the gap guard**: the same, the guard's subquery cut out of the text: the
 *   guard's price on the server.
 * - **tessera**: `EventRepository.saveAll`; the difference to the line above is the session path
 *   (TypeORM's pool checkout, PgSession, the saving marks).
 * - client work alone, no I/O: raw's params; tessera's raise (validation, the serializer's safety
 *   walk, the handler) and its batch and statement building; validation and serialization alone.
 * - connection checkout alone: pg-pool's `connect()` and TypeORM's `obtainMasterConnection()`.
 *
 * Timed in one process, as microbenchmarks are: the parts add up to about the whole, not exactly
 * (one JIT state, one event loop). The ratios in bench/RESULTS.md come from `npm run bench`.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import { BankAccount, Owner } from '../examples/bank-account';
import { AccountOpened } from '../examples/bank-account/events';
import { createTesseraDataSource, EventRepository } from '../src';
import { EventSerializer, eventToJson } from '../src/domain/codec/event-serializer';
import { assertValidEvent } from '../src/domain/codec/event-validator';
import { prepareAppend } from '../src/domain/repository/append-batch';
import { AppendStatements } from '../src/infrastructure/append/append-statement';
import { PgSession } from '../src/infrastructure/session/pg-session';
import { createScratchDatabase } from '../support/local-postgres';
import {
  DEPOSITED,
  depositedPayload,
  eventMetadata,
  OPENED,
  openedPayload,
  OWNER,
} from './bank-events';
import { CONFIGURATIONS, type Configuration } from './configurations';
import { startConfigurationServer } from './configuration-server';
import { median } from './median';
import { runNamed, type NamedStatement } from './named-query';
import { postmasterPid, serverCpuSeconds } from './process-cpu';

interface Shape {
  readonly id: string;
  readonly title: string;
  readonly aggregates: number;
  readonly events: number;
  readonly operations: number;
}

const SHAPES: readonly Shape[] = [
  { id: 'S1', title: 'one new account, one event', aggregates: 1, events: 1, operations: 500 },
  { id: 'S2', title: 'one new account, ten events', aggregates: 1, events: 10, operations: 200 },
  {
    id: 'S6',
    title: 'ten new accounts, one event each',
    aggregates: 10,
    events: 1,
    operations: 150,
  },
];

const owner = new Owner(OWNER.name, OWNER.email);
const serializer = new EventSerializer();
const tesseraStatements = new AppendStatements('"events"', '"snapshots"');

/** One way of doing (part of) an append, timed per operation. */
interface Variant {
  readonly label: string;
  readonly run: () => Promise<void> | void;
}

function openAccounts(shape: Shape): BankAccount[] {
  const accounts: BankAccount[] = [];
  for (let a = 0; a < shape.aggregates; a++) {
    const account = BankAccount.open(randomUUID(), owner, 'EUR');
    for (let e = 1; e < shape.events; e++) account.deposit(1);
    accounts.push(account);
  }
  return accounts;
}

function tesseraStatement(shape: Shape): { sql: NamedStatement; params: unknown[] } {
  const batch = prepareAppend(openAccounts(shape), {}, serializer);
  const { sql, params } = tesseraStatements.build(batch);
  if (!sql.name) throw new Error('expected a named append statement');
  return { sql: { name: sql.name, text: sql.text }, params: [...params] };
}

/**
 * The statement with its gap guard cut out: the guard is `+ (SELECT ... )` added to the first
 * row's version. The expected versions it compares stay as `0 * $n::int`, so every parameter
 * keeps a type. Undefined if the text no longer has that form.
 */
function withoutGuard(sql: NamedStatement): NamedStatement | undefined {
  const start = sql.text.indexOf('::int + (SELECT');
  if (start === -1) return undefined;
  const open = start + '::int + '.length;
  let depth = 0;
  let end = open;
  for (; end < sql.text.length; end++) {
    if (sql.text[end] === '(') depth += 1;
    else if (sql.text[end] === ')' && --depth === 0) break;
  }
  const expected = sql.text.slice(open, end + 1).match(/\$\d+::int/g) ?? [];
  const kept = expected.map((p) => `0 * ${p}`).join(' + ') || '0';
  const text = `${sql.text.slice(0, open)}(${kept})${sql.text.slice(end + 1)}`;
  return { name: `${sql.name}_unguarded`, text };
}

function rawParams(shape: Shape): unknown[] {
  const params: unknown[] = [];
  for (let a = 0; a < shape.aggregates; a++) {
    const id = randomUUID();
    const metadata = JSON.stringify(eventMetadata());
    for (let e = 0; e < shape.events; e++) {
      const [type, payload] = e === 0 ? [OPENED, openedPayload()] : [DEPOSITED, depositedPayload()];
      params.push(randomUUID(), id, 'BankAccount', type, e + 1, JSON.stringify(payload), metadata);
    }
  }
  return params;
}

function rawInsert(rows: number): NamedStatement {
  const tuples: string[] = [];
  for (let r = 0; r < rows; r++) {
    tuples.push(`(${Array.from({ length: 7 }, (_, c) => `$${r * 7 + c + 1}`).join(', ')})`);
  }
  return {
    name: `append_costs_raw_${rows}`,
    text:
      'INSERT INTO events (id, aggregate_id, aggregate_type, event_type, version, payload, metadata) ' +
      `VALUES ${tuples.join(', ')}`,
  };
}

/** The obtainMasterConnection TypeORM's PostgreSQL driver has (not in its public types). */
interface PooledDriver {
  obtainMasterConnection(): Promise<[unknown, (error?: unknown) => void]>;
}

function variantsFor(
  shape: Shape,
  pool: Pool,
  timedPool: Pool,
  repository: EventRepository,
  driver: PooledDriver,
  session: PgSession,
) {
  const raw = rawInsert(shape.aggregates * shape.events);
  const sample = tesseraStatement(shape);
  const unguarded = withoutGuard(sample.sql);
  const send = async (sql: NamedStatement, params: unknown[], on = pool): Promise<void> => {
    const client = await on.connect();
    try {
      await runNamed(client, sql, params);
    } finally {
      client.release();
    }
  };
  const opened = new AccountOpened(owner, 'EUR', 0, new Date());
  const variants: Variant[] = [
    { label: 'raw-prepared: append', run: () => send(raw, rawParams(shape)) },
    {
      label: "raw-prepared on connections with tessera's statement_timeout (30 s)",
      run: () => send(raw, rawParams(shape), timedPool),
    },
    {
      label: "tessera's statement on raw's path (tessera's client work included)",
      run: () => {
        const { sql, params } = tesseraStatement(shape);
        return send(sql, params);
      },
    },
  ];
  variants.push({
    label: "tessera's statement through tessera's PgSession (TypeORM's pool)",
    run: () => {
      const { sql, params } = tesseraStatement(shape);
      return session.execute(sql, params);
    },
  });
  if (unguarded) {
    variants.push({
      label: '... the same without the gap guard',
      run: () => send(unguarded, tesseraStatement(shape).params),
    });
  }
  variants.push(
    { label: 'tessera: saveAll', run: () => repository.saveAll(openAccounts(shape)) },
    { label: "client only: raw's params", run: () => void rawParams(shape) },
    {
      label: "client only: tessera's raises (BankAccount.open, deposit)",
      run: () => void openAccounts(shape),
    },
    {
      label: "client only: tessera's raises, batch and statement",
      run: () => void tesseraStatement(shape),
    },
  );
  if (shape.id !== 'S1') return variants;
  // Per event and per checkout: shape-independent, timed once.
  variants.push(
    {
      label: 'client only: validating one AccountOpened',
      run: () => assertValidEvent(opened, OPENED),
    },
    {
      label: "client only: one AccountOpened's JSON (safety walk and stringify)",
      run: () => void eventToJson(opened, OPENED),
    },
    {
      label: 'client only: JSON.stringify of the same AccountOpened',
      run: () => void JSON.stringify(opened),
    },
    {
      label: 'checkout: pg-pool connect() and release()',
      run: async () => (await pool.connect()).release(),
    },
    {
      label: "checkout: TypeORM's obtainMasterConnection() and release",
      run: async () => (await driver.obtainMasterConnection())[1](),
    },
  );
  return variants;
}

interface Timing {
  readonly wall: number;
  readonly client: number;
  readonly server?: number;
}

/** Microseconds per operation: wall clock, this process's CPU, the server's CPU. */
async function timeVariant(
  variant: Variant,
  operations: number,
  postmaster: number | undefined,
): Promise<Timing> {
  const serverBefore = serverCpuSeconds(postmaster);
  const clientBefore = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < operations; i++) {
    // Client-only variants return nothing: awaiting them would time a microtask per call.
    const pending = variant.run();
    if (pending) await pending;
  }
  const wall = Number(process.hrtime.bigint() - start) / 1e3 / operations;
  const client = process.cpuUsage(clientBefore);
  const serverAfter = serverCpuSeconds(postmaster);
  return {
    wall,
    client: (client.user + client.system) / operations,
    server:
      serverBefore === undefined || serverAfter === undefined
        ? undefined
        : ((serverAfter - serverBefore) * 1e6) / operations,
  };
}

async function measure(configuration: Configuration, rounds: number): Promise<void> {
  const { server, info } = await startConfigurationServer(configuration);
  try {
    const db = await createScratchDatabase(server.url, 'tessera_append_costs');
    const dataSource = createTesseraDataSource({ url: db.url, poolSize: 10 });
    const pool = new Pool({ connectionString: db.url, max: 10 });
    // What createTesseraDataSource sets on every connection by default.
    const timedPool = new Pool({ connectionString: db.url, max: 10, statement_timeout: 30_000 });
    try {
      await dataSource.initialize();
      await dataSource.runMigrations();
      const repository = new EventRepository(dataSource);
      const session = new PgSession(dataSource, true);
      const driver = dataSource.driver as unknown as PooledDriver;
      const postmaster = server.embedded ? postmasterPid(server.dataDir) : undefined;
      console.log(
        `\n## ${configuration.title}\n\n${info.postgres.split(' on ')[0]} (${info.source})`,
      );
      for (const shape of SHAPES) {
        const variants = variantsFor(shape, pool, timedPool, repository, driver, session);
        const times = variants.map(() => [] as Timing[]);
        for (let round = 0; round <= rounds; round++) {
          for (let k = 0; k < variants.length; k++) {
            const i = (k + round) % variants.length;
            const timing = await timeVariant(variants[i], shape.operations, postmaster);
            // Round 0 warms up every path (JIT, prepared statements, pool connections).
            if (round > 0) times[i].push(timing);
          }
        }
        console.log(`\n### ${shape.id}: ${shape.title}, ${rounds} rounds of ${shape.operations}\n`);
        console.log(
          '| Variant | wall µs (median) | wall, rounds min–max | client CPU µs (mean) | server CPU µs (mean) |',
        );
        console.log('| --- | ---: | ---: | ---: | ---: |');
        // CPU as the mean over all rounds: /proc counts the server's CPU in 10 ms ticks, too
        // coarse for one round's few hundred appends, exact enough over all of them.
        const mean = (values: readonly (number | undefined)[]): string =>
          values.some((v) => v === undefined)
            ? '?'
            : ((values as number[]).reduce((a, b) => a + b, 0) / values.length).toFixed(1);
        variants.forEach((v, i) => {
          const wall = times[i].map((t) => t.wall);
          console.log(
            `| ${v.label} | ${median(wall).toFixed(1)} | ` +
              `${Math.min(...wall).toFixed(1)}–${Math.max(...wall).toFixed(1)} | ` +
              `${mean(times[i].map((t) => t.client))} | ${mean(times[i].map((t) => t.server))} |`,
          );
        });
      }
    } finally {
      await pool.end();
      await timedPool.end();
      if (dataSource.isInitialized) await dataSource.destroy();
      await db.drop();
    }
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { config: { type: 'string' }, rounds: { type: 'string', default: '15' } },
  });
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error('--rounds must be a positive integer');
  const ids = values.config?.split(',').map((s) => s.trim());
  for (const configuration of CONFIGURATIONS.filter((c) => !ids || ids.includes(c.id))) {
    await measure(configuration, rounds);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
