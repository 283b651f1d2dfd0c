import { required, warmUpCount, type Workload } from './workload';

/** S6: each operation saves `aggregates` new accounts together (one event each). */
export const saveAll: Workload = async (driver, params, measure) => {
  const operations = required(params, 'operations');
  const aggregates = required(params, 'aggregates');
  for (let i = 0; i < warmUpCount(operations); i++) await driver.openAccounts(aggregates);
  const seconds = await measure(async () => {
    for (let i = 0; i < operations; i++) await driver.openAccounts(aggregates);
  });
  return { operations, seconds };
};
