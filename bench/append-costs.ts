/**
 * `npm run bench:append [-- --config durable,cpu] [--rounds N] [--shapes S1,S2,S6]`: where the
 * time of an append goes, tessera against raw-prepared. One process per configuration (servers
 * as in `npm run bench`), one scratch database; every variant appends the same shape (S1: one new
 * account of one event; S2: one of ten; S6: ten of one) in slices of a few hundred appends,
 * `rounds` interleaved rounds after an untimed one, order rotated each round.
 *
 * Each part of tessera's work is priced **in place**: raw-prepared's append with that part added
 * to it, against raw-prepared's append alone. Timed alone in a tight loop, the same work comes
 * out several times cheaper (its code and data stay in the CPU's caches, which the I/O between
 * two real appends evicts): the in-place difference is what it adds to an append.
 *
 * - **raw-prepared**: its params, its INSERT, named, on a checked-out client, callback path.
 * - **tessera**: `EventRepository.saveAll` of the same aggregates.
 * - **+ raises**: `BankAccount.open` (and `deposit`): validation, the serializer's safety walk,
 *   the handler, the envelope. **+ validation** and **+ JSON** alone: `assertValidEvent` and
 *   `eventToJson` of each event of the append (already built).
 * - **+ raises, batch and statement**: what tessera does before any I/O (`prepareAppend`,
 *   `AppendStatements.build`), its statement then left unsent.
 * - **tessera's statement on raw's path**: that statement sent instead of raw's: its price on
 *   the wire and on the server (casts; new streams carry no gap guard) comes on top of the line
 *   above.
 * - **raw's statement through PgSession**: TypeORM's pool checkout and tessera's session path.
 * - **raw-prepared with statement_timeout**: connections with tessera's default 30 s timeout.
 *
 * Columns: wall-clock µs per append (median over rounds; on a shared machine the noisiest),
 * client CPU µs (this process, median over rounds) and server CPU µs (the whole server, mean
 * over all rounds: /proc counts it in 10 ms ticks), each also as a difference to raw-prepared.
 * The ratios in bench/RESULTS.md come from `npm run bench`; this says where they come from.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Pool, type PoolClient } from 'pg';
import { BankAccount, Owner } from '../examples/bank-account';
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
import { costTable, timeRounds, type Variant } from './in-place-costs';
import { runNamed, type NamedStatement } from './named-query';
import { postmasterPid } from './process-cpu';

interface Shape {
  readonly id: string;
  readonly title: string;
  readonly aggregates: number;
  readonly events: number;
  /** Appends per slice (one variant's share of a round). */
  readonly slice: number;
}

const SHAPES: readonly Shape[] = [
  { id: 'S1', title: 'one new account, one event', aggregates: 1, events: 1, slice: 200 },
  { id: 'S2', title: 'one new account, ten events', aggregates: 1, events: 10, slice: 80 },
  { id: 'S6', title: 'ten new accounts, one event each', aggregates: 10, events: 1, slice: 60 },
];

const owner = new Owner(OWNER.name, OWNER.email);
const serializer = new EventSerializer();
const statements = new AppendStatements(
  '"events"',
  '"snapshots"',
  '"command_keys"',
  '"unique_values"',
);

/** What the variants of one shape share. */
interface Context {
  readonly shape: Shape;
  readonly pool: Pool;
  readonly timedPool: Pool;
  readonly repository: EventRepository;
  readonly session: PgSession;
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

function tesseraStatement(accounts: BankAccount[]): { sql: NamedStatement; params: unknown[] } {
  const { sql, params } = statements.build(prepareAppend(accounts, {}, serializer));
  if (!sql.name) throw new Error('expected a named append statement');
  return { sql: { name: sql.name, text: sql.text }, params: [...params] };
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

function variantsFor(context: Context): Variant[] {
  const { shape, pool, timedPool, repository, session } = context;
  const raw = rawInsert(shape.aggregates * shape.events);
  const send = async (sql: NamedStatement, params: unknown[], on = pool): Promise<void> => {
    const client: PoolClient = await on.connect();
    try {
      await runNamed(client, sql, params);
    } finally {
      client.release();
    }
  };
  const rawAppend = (): Promise<void> => send(raw, rawParams(shape));
  // Built once: validation and JSON are priced on events that already exist.
  const events = openAccounts(shape).flatMap((a) => a.getUncommittedEnvelopes());
  const variants: Variant[] = [
    { label: 'raw-prepared: append', run: rawAppend },
    {
      label: 'tessera: saveAll',
      run: async () => {
        await repository.saveAll(openAccounts(shape));
      },
    },
    {
      label: 'raw-prepared + raises (BankAccount.open, deposit)',
      run: () => {
        openAccounts(shape);
        return rawAppend();
      },
    },
    {
      label: 'raw-prepared + validation of each event',
      run: () => {
        for (const e of events) assertValidEvent(e.event, e.eventType);
        return rawAppend();
      },
    },
    {
      label: "raw-prepared + each event's JSON (safety walk, stringify)",
      run: () => {
        for (const e of events) eventToJson(e.event, e.eventType);
        return rawAppend();
      },
    },
    {
      label: 'raw-prepared + raises, batch and statement (unsent)',
      run: () => {
        tesseraStatement(openAccounts(shape));
        return rawAppend();
      },
    },
    {
      label: "tessera's statement on raw's path (raises, batch and statement included)",
      run: () => {
        const { sql, params } = tesseraStatement(openAccounts(shape));
        return send(sql, params);
      },
    },
  ];
  variants.push(
    {
      label: "raw's statement through tessera's PgSession (TypeORM's pool)",
      run: () => session.execute(raw, rawParams(shape)),
    },
    {
      label: "raw-prepared on connections with tessera's statement_timeout (30 s)",
      run: () => send(raw, rawParams(shape), timedPool),
    },
  );
  return variants;
}

async function measure(
  configuration: Configuration,
  rounds: number,
  shapes: readonly Shape[],
): Promise<void> {
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
      const postmaster = server.embedded ? postmasterPid(server.dataDir) : undefined;
      console.log(
        `\n## ${configuration.title}\n\n${info.postgres.split(' on ')[0]} (${info.source})`,
      );
      for (const shape of shapes) {
        const variants = variantsFor({ shape, pool, timedPool, repository, session });
        const times = await timeRounds(variants, rounds, shape.slice, postmaster);
        const heading = `### ${shape.id}: ${shape.title}, ${rounds} rounds of ${shape.slice} appends per variant`;
        console.log(`\n${costTable(heading, variants, times, 1)}`);
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
    options: {
      config: { type: 'string' },
      rounds: { type: 'string', default: '30' },
      shapes: { type: 'string' },
    },
  });
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error('--rounds must be a positive integer');
  const ids = values.config?.split(',').map((s) => s.trim());
  const shapeIds = values.shapes?.split(',').map((s) => s.trim());
  const shapes = SHAPES.filter((s) => !shapeIds || shapeIds.includes(s.id));
  for (const configuration of CONFIGURATIONS.filter((c) => !ids || ids.includes(c.id))) {
    await measure(configuration, rounds, shapes);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
