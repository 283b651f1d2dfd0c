/**
 * `npm run bench:personal-data-costs [-- --rounds N]`: where the extra time of a save of an event
 * with two `@PersonalData` fields goes (subject key cached, the steady state of
 * `npm run bench:personal-data`), each part priced in place as in `bench/append-costs.ts`: a
 * plain save with that part added to it, against the plain save alone. On an embedded PostgreSQL
 * with the durable defaults; slices of a few hundred saves per variant, order rotated per round.
 *
 * - **plain save** / **personal save**: `EventRepository.save` of the bench's two event classes.
 * - **plain save + raise of the personal event**: the personal event raised (validation, the
 *   serializer's safety walk) beside the plain save, its aggregate then dropped; against
 *   **plain save + raise of the plain event**, the raise's own share of the difference.
 * - **plain save + the personal save's client work (unsent)**: raise, batch, subjects, sealing,
 *   statement, all that the personal save does before its I/O.
 * - **append statements on one pg client**: the plain batch's statement, the sealed batch's
 *   with its keys guard and without it (what the guard and the larger payload cost on the wire
 *   and on the server), each sent on a client of its own, with the plan cache's counts
 *   (`pg_prepared_statements`) printed after.
 *
 * Then the append's steps (raise, batch, subjects, sealing, statement, send), timed one by one
 * with the plain and the personal append alternating op by op: slices of one variant run in
 * bursts, which a busy machine's fsync latency moves by more than the parts measured.
 */
import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { createTesseraDataSource, EnvironmentMasterKey, EventRepository } from '../src';
import { EventSerializer } from '../src/domain/codec/event-serializer';
import { prepareAppend, type AppendBatch } from '../src/domain/repository/append-batch';
import { batchSubjects, sealBatch } from '../src/domain/repository/seal-batch';
import type { DataKey } from '../src/domain/personal-data/data-key';
import { Nonces } from '../src/domain/personal-data/nonces';
import { AppendStatements } from '../src/infrastructure/append/append-statement';
import { PersonalDataKeys } from '../src/infrastructure/personal-data/personal-data-keys';
import { createScratchDatabase, startLocalPostgres } from '../support/local-postgres';
import { costTable, timeRounds, type Variant } from './in-place-costs';
import { BenchCustomer, type ContactVariant } from './bench-customer';
import { median } from './median';
import { postmasterPid } from './process-cpu';

const SLICE = 300;
const serializer = new EventSerializer();
const nonces = new Nonces();

function customer(variant: ContactVariant, subject: string, i: number): BenchCustomer {
  const c = new BenchCustomer(randomUUID());
  c.change(variant, subject, i);
  return c;
}

/** The step names of {@link steps}, in the order a save takes them. */
const STEPS = ['raise', 'batch', 'subjects', 'seal', 'statement', 'send'] as const;
const STEP_OPS = 6000;

/**
 * The steps of an append of each event, timed around each step, the plain and the personal
 * append alternating op by op (each on its own pg client): the finest split, and the one least
 * moved by a busy machine's I/O, which slices of one variant take in bursts. Medians in µs.
 */
async function steps(
  statements: AppendStatements,
  keys: ReadonlyMap<string, DataKey>,
  subjects: readonly string[],
  plainClient: Client,
  personalClient: Client,
): Promise<string> {
  const times = new Map<string, number[]>();
  const record = (name: string, ms: number): void => {
    const list = times.get(name) ?? [];
    if (list.length === 0) times.set(name, list);
    list.push(ms * 1000);
  };
  for (let i = 0; i < STEP_OPS + 1000; i++) {
    const order: ContactVariant[] = i % 2 === 0 ? ['plain', 'personal'] : ['personal', 'plain'];
    for (const variant of order) {
      const at = [performance.now()];
      const c = customer(variant, subjects[i % subjects.length], i);
      at.push(performance.now());
      let batch = prepareAppend([c], {}, serializer);
      at.push(performance.now());
      const bySubject = batchSubjects(batch);
      at.push(performance.now());
      if (variant === 'personal') {
        const used = new Map<string, DataKey>();
        for (const subject of bySubject.values()) used.set(subject, keys.get(subject)!);
        const sealed = sealBatch(batch, bySubject, used, nonces);
        for (const row of sealed.rows) serializer.assertPayloadSize(row.eventType, row.payloadJson);
        batch = { ...sealed, requiredKeys: [...used.values()].map((k) => k.keyId) };
      }
      at.push(performance.now());
      const { sql, params } = statements.build(batch);
      at.push(performance.now());
      const client = variant === 'plain' ? plainClient : personalClient;
      await client.query({ text: sql.text, name: sql.name, values: [...params] });
      at.push(performance.now());
      // The first thousand warm every path up.
      if (i < 1000) continue;
      STEPS.forEach((step, k) => record(`${variant} ${step}`, at[k + 1] - at[k]));
      record(`${variant} total`, at[at.length - 1] - at[0]);
    }
  }
  const cell = (variant: ContactVariant, step: string): number =>
    median(times.get(`${variant} ${step}`)!);
  return [
    `### The append's steps, plain and personal alternating, median of ${STEP_OPS} each (µs)`,
    '',
    '| step | plain | personal | difference |',
    '| --- | ---: | ---: | ---: |',
    ...[...STEPS, 'total'].map((step) => {
      const [plain, personal] = [cell('plain', step), cell('personal', step)];
      return `| ${step} | ${plain.toFixed(1)} | ${personal.toFixed(1)} | ${(personal - plain).toFixed(1)} |`;
    }),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '10' } } });
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be positive');
  const server = await startLocalPostgres({ forceEmbedded: true });
  const scratch = await createScratchDatabase(server.url, 'tessera_bench_pd_costs');
  const dataSource = createTesseraDataSource({ url: scratch.url, poolSize: 4 });
  const clients = { plain: new Client(scratch.url), guarded: new Client(scratch.url) };
  const unguardedClient = new Client(scratch.url);
  try {
    await dataSource.initialize();
    await dataSource.runMigrations();
    for (const c of [clients.plain, clients.guarded, unguardedClient]) await c.connect();
    const masterKey = new EnvironmentMasterKey({ key: randomBytes(32).toString('base64') });
    const repository = new EventRepository(dataSource, { personalData: { masterKey } });
    const subjects = Array.from({ length: 100 }, () => randomUUID());
    for (const subject of subjects) await repository.save(customer('personal', subject, 0));

    // The same keys, read through tessera's own key reader, for the statements built here.
    const keyReader = new PersonalDataKeys('"personal_data_keys"', masterKey, 10_000);
    const keys = await keyReader.forSubjects(
      subjects,
      async <R>(st: { sql: { text: string }; params: readonly unknown[] }) =>
        (await clients.plain.query(st.sql.text, [...st.params])).rows as R[],
    );
    const statements = new AppendStatements(
      '"events"',
      '"snapshots"',
      '"command_keys"',
      '"unique_values"',
      '"personal_data_keys"',
    );
    let n = 0;
    const subject = (): string => subjects[n++ % subjects.length];
    const sealed = (guarded: boolean): AppendBatch => {
      const batch = prepareAppend([customer('personal', subject(), n)], {}, serializer);
      const bySubject = batchSubjects(batch);
      const used = new Map<string, DataKey>();
      for (const s of bySubject.values()) used.set(s, keys.get(s)!);
      const out = sealBatch(batch, bySubject, used, nonces);
      for (const row of out.rows) serializer.assertPayloadSize(row.eventType, row.payloadJson);
      return guarded ? { ...out, requiredKeys: [...used.values()].map((k) => k.keyId) } : out;
    };
    const send = async (client: Client, batch: AppendBatch): Promise<void> => {
      const { sql, params } = statements.build(batch);
      await client.query({ text: sql.text, name: sql.name, values: [...params] });
    };
    const plainSave = (): Promise<unknown> => repository.save(customer('plain', subject(), n));

    const variants: Variant[] = [
      { label: 'plain save', run: async () => void (await plainSave()) },
      {
        label: 'personal save',
        run: async () => void (await repository.save(customer('personal', subject(), n))),
      },
      {
        label: 'plain save + raise of the plain event',
        run: async () => {
          customer('plain', subject(), n);
          await plainSave();
        },
      },
      {
        label: 'plain save + raise of the personal event',
        run: async () => {
          customer('personal', subject(), n);
          await plainSave();
        },
      },
      {
        label: "plain save + the personal save's client work (unsent)",
        run: async () => {
          statements.build(sealed(true));
          await plainSave();
        },
      },
      {
        label: 'pg client: plain statement',
        run: () =>
          send(clients.plain, prepareAppend([customer('plain', subject(), n)], {}, serializer)),
      },
      {
        label: 'pg client: sealed statement with keys guard',
        run: () => send(clients.guarded, sealed(true)),
      },
      {
        label: 'pg client: sealed statement without keys guard',
        run: () => send(unguardedClient, sealed(false)),
      },
    ];
    const postmaster = postmasterPid(server.dataDir);
    const times = await timeRounds(variants, rounds, SLICE, postmaster);
    console.log(
      costTable(
        `### Personal save, subject key cached: ${rounds} rounds of ${SLICE} saves per variant`,
        variants,
        times,
        1,
      ),
    );
    console.log(`\n${await steps(statements, keys, subjects, unguardedClient, clients.guarded)}`);
    for (const [label, c] of [
      ['plain', clients.plain],
      ['guarded', clients.guarded],
      ['unguarded', unguardedClient],
    ] as const) {
      const { rows } = await c.query<{ name: string; generic_plans: string; custom_plans: string }>(
        'SELECT name, generic_plans, custom_plans FROM pg_prepared_statements',
      );
      for (const r of rows)
        console.log(`${label}: ${r.name} generic ${r.generic_plans} custom ${r.custom_plans}`);
    }
  } finally {
    for (const c of [clients.plain, clients.guarded, unguardedClient]) await c.end();
    if (dataSource.isInitialized) await dataSource.destroy();
    await scratch.drop();
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
