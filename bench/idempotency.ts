/**
 * What a command id costs an append: S1 (one event per append, sequential, new aggregates) and
 * S3 (32 concurrent appenders on a pool of 10) with and without `commandId`, in alternating
 * rounds so that drift on a shared machine falls on both alike. Prints a markdown table; the
 * numbers are recorded in bench/RESULTS-idempotency.md. `npm run bench:idempotency [-- --quick]`.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createTesseraDataSource, EventRepository } from '../src';
import { BankAccount, Owner } from '../examples/bank-account';
import { createScratchDatabase, startLocalPostgres } from '../support/local-postgres';
import { median } from './median';

const owner = new Owner('Ada Lovelace', 'ada@example.com');
const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 3 : 7;

type Variant = 'plain' | 'keyed';

async function appendOne(repository: EventRepository, variant: Variant): Promise<void> {
  const account = BankAccount.open(randomUUID(), owner, 'EUR');
  await repository.save(account, variant === 'keyed' ? { commandId: randomUUID() } : {});
}

async function sequential(
  repository: EventRepository,
  variant: Variant,
  n: number,
): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i++) await appendOne(repository, variant);
  return n / ((performance.now() - start) / 1000);
}

async function concurrent(
  repository: EventRepository,
  variant: Variant,
  n: number,
): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next++ < n) await appendOne(repository, variant);
    }),
  );
  return n / ((performance.now() - start) / 1000);
}

async function main(): Promise<void> {
  const server = await startLocalPostgres();
  const scratch = await createScratchDatabase(server.url, 'tessera_bench_keys');
  const dataSource = createTesseraDataSource({ url: scratch.url, poolSize: 10 });
  try {
    await dataSource.initialize();
    await dataSource.runMigrations();
    const repository = new EventRepository(dataSource);
    const scenarios = [
      { id: 'S1', run: sequential, operations: quick ? 1500 : 6000 },
      { id: 'S3', run: concurrent, operations: quick ? 4000 : 15000 },
    ];
    const lines: string[] = [
      '| scenario | without key (appends/s) | with commandId (appends/s) | with / without (median of rounds) |',
      '| --- | ---: | ---: | ---: |',
    ];
    for (const scenario of scenarios) {
      await scenario.run(repository, 'plain', scenario.operations / 5);
      await scenario.run(repository, 'keyed', scenario.operations / 5);
      const plain: number[] = [];
      const keyed: number[] = [];
      const ratios: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        // Alternate which variant goes first, so neither always runs on a warmer table.
        const order: Variant[] = round % 2 === 0 ? ['plain', 'keyed'] : ['keyed', 'plain'];
        const rates: Record<Variant, number> = { plain: 0, keyed: 0 };
        for (const variant of order) {
          rates[variant] = await scenario.run(repository, variant, scenario.operations);
        }
        plain.push(rates.plain);
        keyed.push(rates.keyed);
        ratios.push(rates.keyed / rates.plain);
      }
      lines.push(
        `| ${scenario.id} | ${median(plain).toFixed(0)} | ${median(keyed).toFixed(0)} | ` +
          `${median(ratios).toFixed(3)} (rounds ${ratios.map((r) => r.toFixed(3)).join(', ')}) |`,
      );
    }
    console.log(lines.join('\n'));
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await scratch.drop();
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
