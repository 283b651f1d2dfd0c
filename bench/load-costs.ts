/**
 * `npm run bench:load [-- --rounds N] [--events N]`: where the time of a load goes, tessera
 * against raw-prepared, on a BankAccount stream of 1,000 events (S4-1k). One embedded server in
 * the CPU configuration (a load waits on no commit), one scratch database; every variant loads
 * the same stream in slices of a few loads, `rounds` interleaved rounds after an untimed one,
 * order rotated each round. The counterpart of `npm run bench:append`.
 *
 * Each part of tessera's load is priced **in place**: raw-prepared's load with that part added.
 *
 * - **raw-prepared**: its SELECT of (version, event_type, payload), named, array rows, on a
 *   checked-out client, folded by a plain reducer (bench/bank-events' evolveAccount).
 * - **tessera's page statement on raw's path**: the statement a load sends (the aggregate type
 *   compared per row, the schema version read from each row's metadata, keyset page), same
 *   reducer: its price on the server and on the wire.
 * - **+ decode**: each row built into its event class and validated (`decodeStored`), then the
 *   reducer. **+ validation** alone: `assertValidEvent` of each event (built once, before).
 * - **+ fold**: the rows through tessera's `Rehydrator` (the stream checks: version sequence,
 *   aggregate type, schema version; decode; the aggregate's `@Apply` handlers) instead of the
 *   reducer: tessera's whole client-side work on raw's path.
 * - **tessera: load**: `EventRepository.load`, which adds TypeORM's pool and tessera's session.
 *
 * Columns: wall-clock µs per load (median over rounds), client CPU µs (this process, median over
 * rounds) and server CPU µs (the whole server, mean over all rounds: /proc counts it in 10 ms
 * ticks), each also as a difference to raw-prepared.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { Pool, type PoolClient } from 'pg';
import { BankAccount } from '../examples/bank-account';
import { createTesseraDataSource, EventRepository } from '../src';
import { EventSerializer } from '../src/domain/codec/event-serializer';
import { assertValidEvent } from '../src/domain/codec/event-validator';
import { Rehydrator } from '../src/domain/repository/rehydrator';
import { LoadStatements } from '../src/infrastructure/load/load-statements';
import { schemaVersionOf } from '../src/infrastructure/load/schema-version-of';
import { createScratchDatabase } from '../support/local-postgres';
import { CPU } from './configurations';
import { startConfigurationServer } from './configuration-server';
import { costTable, timeRounds, type Variant } from './in-place-costs';
import { runNamed, type NamedStatement } from './named-query';
import { prefillEvents } from './prefill-events';
import { evolveAccount, initialAccount } from './bank-events';
import { postmasterPid } from './process-cpu';

const SLICE = 100;
const serializer = new EventSerializer();
const pageStatement = new LoadStatements('"events"', '"snapshots"');
const RAW_SELECT: NamedStatement = {
  name: 'load_costs_raw',
  text: 'SELECT version, event_type, payload FROM events WHERE aggregate_id = $1 ORDER BY version',
};

type RawRow = [version: number, eventType: string, payload: unknown];
type PageRow = [
  version: number,
  aggregateType: string | null,
  eventType: string,
  payload: unknown,
  schemaVersion: string | null,
];

function reduce(rows: readonly (readonly unknown[])[], type: number, payload: number): number {
  let state = initialAccount();
  for (const row of rows) state = evolveAccount(state, row[type] as string, row[payload]);
  return state.balance;
}

function variantsFor(pool: Pool, repository: EventRepository, id: string, events: number) {
  const withClient = async <T>(work: (client: PoolClient) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      return await work(client);
    } finally {
      client.release();
    }
  };
  const { sql, params } = pageStatement.page(id, 0, events + 1, 'BankAccount');
  if (sql.name === undefined) throw new Error('expected a named page statement');
  const page: NamedStatement = { name: sql.name, text: sql.text };
  const readPage = (): Promise<PageRow[]> =>
    withClient((c) => runNamed(c, page, params, true) as Promise<PageRow[]>);
  const built: { event: object; eventType: string }[] = [];
  const variants: Variant[] = [
    {
      label: 'raw-prepared: load',
      run: async () => {
        const rows = (await withClient((c) => runNamed(c, RAW_SELECT, [id], true))) as RawRow[];
        reduce(rows, 1, 2);
      },
    },
    {
      label: 'tessera: load',
      run: async () => {
        await repository.load(BankAccount, id);
      },
    },
    {
      label: "tessera's page statement on raw's path",
      run: async () => {
        reduce(await readPage(), 2, 3);
      },
    },
    {
      label: '+ decode (each row built into its class and validated)',
      run: async () => {
        const rows = await readPage();
        for (const row of rows) serializer.decodeStored(row[2], schemaVersionOf(row[4]), row[3]);
        reduce(rows, 2, 3);
      },
    },
    {
      label: '+ validation alone (each event, built beforehand)',
      run: async () => {
        const rows = await readPage();
        for (const e of built) assertValidEvent(e.event, e.eventType);
        reduce(rows, 2, 3);
      },
    },
    {
      label: "+ fold (tessera's Rehydrator: stream checks, decode, @Apply handlers)",
      run: async () => {
        const rows = await readPage();
        const rehydrator = new Rehydrator(BankAccount, id, serializer);
        for (const row of rows) {
          rehydrator.apply({
            aggregateType: row[1] ?? 'BankAccount',
            eventType: row[2],
            version: row[0],
            payload: row[3],
            schemaVersion: schemaVersionOf(row[4]),
          });
        }
      },
    },
  ];
  const prepare = async (): Promise<void> => {
    for (const row of await readPage()) {
      const [event] = serializer.decodeStored(row[2], schemaVersionOf(row[4]), row[3]);
      built.push({ event, eventType: row[2] });
    }
  };
  return { variants, prepare };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '30' },
      events: { type: 'string', default: '1000' },
    },
  });
  const rounds = Number(values.rounds);
  const events = Number(values.events);
  for (const [name, value] of [
    ['--rounds', rounds],
    ['--events', events],
  ] as const) {
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`${name} must be a positive integer`);
  }
  const { server, info } = await startConfigurationServer(CPU);
  try {
    const db = await createScratchDatabase(server.url, 'tessera_load_costs');
    const dataSource = createTesseraDataSource({ url: db.url, poolSize: 10 });
    const pool = new Pool({ connectionString: db.url, max: 10 });
    try {
      await dataSource.initialize();
      await dataSource.runMigrations();
      const id = await prefillEvents(pool, events);
      await pool.query('VACUUM ANALYZE events');
      const repository = new EventRepository(dataSource);
      const postmaster = server.embedded ? postmasterPid(server.dataDir) : undefined;
      const { variants, prepare } = variantsFor(pool, repository, id, events);
      await prepare();
      const times = await timeRounds(variants, rounds, SLICE, postmaster);
      console.log(`${info.postgres.split(' on ')[0]} (${info.source}), ${CPU.title}\n`);
      const heading = `### Load of a ${events}-event BankAccount stream, ${rounds} rounds of ${SLICE} loads per variant`;
      console.log(costTable(heading, variants, times, 0));
    } finally {
      await pool.end();
      if (dataSource.isInitialized) await dataSource.destroy();
      await db.drop();
    }
  } finally {
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
