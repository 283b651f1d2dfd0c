import { required, warmUpCount, type Workload } from './workload';

/** S4: repeated loads (read and fold) of one account of `events` events, written untimed. */
export const loadStream: Workload = async (driver, params, measure) => {
  const operations = required(params, 'operations');
  const events = required(params, 'events');
  const stream = await driver.prefill(events);
  const expected = events - 1;
  const check = (balance: number): void => {
    if (balance !== expected) throw new Error(`loaded balance ${balance}, expected ${expected}`);
  };
  for (let i = 0; i < warmUpCount(operations); i++) check(await driver.load(stream));
  const seconds = await measure(async () => {
    for (let i = 0; i < operations; i++) check(await driver.load(stream));
  });
  return { operations, seconds };
};
