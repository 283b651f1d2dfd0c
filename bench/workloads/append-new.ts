import { required, warmUpCount, type Workload } from './workload';

/** S1/S2: one new account per append, `events` events each, one append after another. */
export const appendNew: Workload = async (driver, params, measure) => {
  const operations = required(params, 'operations');
  const events = required(params, 'events');
  for (let i = 0; i < warmUpCount(operations); i++) await driver.openAccount(events);
  const seconds = await measure(async () => {
    for (let i = 0; i < operations; i++) await driver.openAccount(events);
  });
  return { operations, seconds };
};
