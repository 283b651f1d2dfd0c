import type { Driver } from '../driver';
import { required, warmUpCount, type Workload } from './workload';

/**
 * S3: `concurrency` appenders share the pool; each opens its own account, then appends one
 * deposit per append at the version it knows, until `operations` appends were made in total.
 */
export const appendConcurrent: Workload = async (driver, params, measure) => {
  const operations = required(params, 'operations');
  const concurrency = required(params, 'concurrency');
  // Warm-up at full concurrency, so every pool connection is open before timing starts.
  await run(driver, warmUpCount(operations), concurrency);
  const seconds = await measure(() => run(driver, operations, concurrency));
  return { operations, seconds };
};

async function run(driver: Driver<unknown>, operations: number, concurrency: number) {
  let issued = 0;
  const appender = async (): Promise<void> => {
    let stream: unknown;
    while (issued < operations) {
      issued += 1;
      if (stream === undefined) stream = await driver.openAccount(1);
      else await driver.deposit(stream);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, appender));
}
