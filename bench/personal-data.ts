/**
 * What `@PersonalData` costs: a raise + save of an event with two personal fields, and a load of
 * a 1,000-event stream where every event has them, each against the same event class without
 * `@PersonalData`, on the durable server defaults (fsync on). Both variants alternate operation
 * by operation within each round; the table gives the median of the rounds' medians and their
 * ratio. Saves go to subjects whose key exists and is cached (the steady state); a save that
 * creates its subject's key is measured separately. Loads are measured with the default
 * configuration (every value decrypted) and with `valueCacheSize` on (the same stream loaded
 * again: its values come from the cache). `npm run bench:personal-data [-- --quick]`.
 */
import 'reflect-metadata';
import { createDecipheriv, createSecretKey, randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createTesseraDataSource, EnvironmentMasterKey, EventRepository } from '../src';
import { dataKey } from '../src/domain/personal-data/data-key';
import { openValue, sealValue } from '../src/domain/personal-data/sealed-value';
import { createScratchDatabase, startLocalPostgres } from '../support/local-postgres';
import { BenchCustomer, type ContactVariant } from './bench-customer';
import { median } from './median';

type Variant = ContactVariant;

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 3 : 7;
const SAVES = quick ? 200 : 600;
const LOADS = quick ? 10 : 30;
const VARIANTS: readonly Variant[] = ['plain', 'personal'];

/** Per round, each variant's median time of `op`, alternating variants op by op. */
async function rounds(
  count: number,
  op: (variant: Variant, i: number) => Promise<void>,
): Promise<Record<Variant, number>> {
  const medians: Record<Variant, number[]> = { plain: [], personal: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const times: Record<Variant, number[]> = { plain: [], personal: [] };
    for (let i = 0; i < count; i++) {
      for (const variant of i % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()) {
        const start = performance.now();
        await op(variant, i);
        times[variant].push(performance.now() - start);
      }
    }
    for (const v of VARIANTS) medians[v].push(median(times[v]));
  }
  return { plain: median(medians.plain), personal: median(medians.personal) };
}

/**
 * The floor of a load's decryption, without PostgreSQL: microseconds per value of `openValue`
 * (base64, AES-256-GCM, JSON) and of `createDecipheriv` alone, median of rounds of 2,000 values
 * like the load's.
 */
function decryptionFloor(): { open: number; decipher: number } {
  const key = dataKey(randomUUID(), randomUUID(), randomBytes(32));
  const secret = createSecretKey(key.key);
  const values = Array.from({ length: 2000 }, (_, i) =>
    sealValue(key, i % 2 === 0 ? `Customer ${i}` : `customer.${i}@example.com`),
  );
  const perValue = (op: () => void): number => {
    const times: number[] = [];
    for (let round = 0; round < 25; round++) {
      const start = performance.now();
      op();
      times.push(((performance.now() - start) * 1000) / values.length);
    }
    return median(times);
  };
  const open = (): void => {
    for (const v of values) openValue(key, v);
  };
  const decipher = (): void => {
    for (const v of values) createDecipheriv('aes-256-gcm', secret, Buffer.from(v.iv, 'base64'));
  };
  open();
  decipher();
  return { open: perValue(open), decipher: perValue(decipher) };
}

async function main(): Promise<void> {
  const floor = decryptionFloor();
  const server = await startLocalPostgres();
  const scratch = await createScratchDatabase(server.url, 'tessera_bench_personal');
  const dataSource = createTesseraDataSource({ url: scratch.url, poolSize: 4 });
  try {
    await dataSource.initialize();
    await dataSource.runMigrations();
    const masterKey = new EnvironmentMasterKey({ key: randomBytes(32).toString('base64') });
    const repository = new EventRepository(dataSource, { personalData: { masterKey } });

    const subjects = Array.from({ length: 100 }, () => randomUUID());
    for (const subject of subjects) {
      const warm = new BenchCustomer(randomUUID());
      warm.change('personal', subject, 0);
      await repository.save(warm);
    }
    const save = async (variant: Variant, i: number, subject: string): Promise<void> => {
      const customer = new BenchCustomer(randomUUID());
      customer.change(variant, subject, i);
      await repository.save(customer);
    };
    await rounds(SAVES / 4, (v, i) => save(v, i, subjects[i % subjects.length]));
    const saves = await rounds(SAVES, (v, i) => save(v, i, subjects[i % subjects.length]));
    const newSubjects = await rounds(SAVES / 2, (v, i) => save(v, i, randomUUID()));

    const streams: Record<Variant, string> = { plain: randomUUID(), personal: randomUUID() };
    for (const variant of VARIANTS) {
      const customer = new BenchCustomer(streams[variant]);
      const subject = randomUUID();
      for (let i = 0; i < 1000; i++) customer.change(variant, subject, i);
      await repository.save(customer);
    }
    const load = async (variant: Variant): Promise<void> => {
      await repository.load(BenchCustomer, streams[variant]);
    };
    await rounds(LOADS / 2, load);
    const loads = await rounds(LOADS, load);
    const cached = new EventRepository(dataSource, {
      personalData: { masterKey, valueCacheSize: 10_000 },
    });
    const cachedLoad = async (variant: Variant): Promise<void> => {
      await cached.load(BenchCustomer, streams[variant]);
    };
    await rounds(LOADS / 2, cachedLoad);
    const cachedLoads = await rounds(LOADS, cachedLoad);

    const row = (what: string, r: Record<Variant, number>): string =>
      `| ${what} | ${r.plain.toFixed(3)} | ${r.personal.toFixed(3)} | ${(r.personal / r.plain).toFixed(3)} |`;
    console.log(
      [
        '| operation | without @PersonalData: median ms | with: median ms | ratio |',
        '| --- | ---: | ---: | ---: |',
        row('raise + save, two personal fields (subject key exists)', saves),
        row('raise + save, two personal fields (key created in the save)', newSubjects),
        row('load of 1,000 events with two personal fields each', loads),
        row('the same load, valueCacheSize: 10,000 (values cached)', cachedLoads),
      ].join('\n'),
    );
    console.log(
      `\nDecryption floor: openValue ${floor.open.toFixed(2)} us per value, of which ` +
        `createDecipheriv ${floor.decipher.toFixed(2)} us (median of 25 rounds of 2,000 values).`,
    );
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
