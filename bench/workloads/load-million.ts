import { getHeapSpaceStatistics } from 'node:v8';
import { BankAccount } from '../../examples/bank-account';
import { TesseraDriver } from '../drivers/tessera-driver';
import { required, type Workload } from './workload';

/**
 * Issue 4 part 3 (tessera only): one load of a BankAccount with `events` events (a million, and
 * a tenth of that for comparison), written server-side in one statement so set-up costs the
 * child no memory. The child's peak RSS is what this scenario is about; the orchestrator reads
 * it from the result.
 */
export const loadMillion: Workload = async (driver, params, measure) => {
  if (!(driver instanceof TesseraDriver)) throw new Error('load-million runs on tessera only');
  const events = required(params, 'events');
  const { id } = await driver.prefill(events);
  const rssBeforeMb = Math.round(process.memoryUsage().rss / 2 ** 20);
  let balance = 0;
  const seconds = await measure(async () => {
    balance = (await driver.repository.load(BankAccount, id)).balance;
  });
  if (balance !== events - 1) throw new Error(`loaded balance ${balance}, expected ${events - 1}`);
  // What the peak is made of: the process before the load, and V8's young generation (it grew
  // to two 16 MB semi-spaces while collected pages survived its collections; it stays small now
  // that rows past the first pages are folded as they arrive).
  const newSpace = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
  return {
    operations: 1,
    seconds,
    notes: {
      rssBeforeLoadMb: rssBeforeMb,
      youngGenerationMb: Math.round((newSpace?.space_size ?? 0) / 2 ** 20),
      heapUsedAfterLoadMb: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
    },
  };
};
