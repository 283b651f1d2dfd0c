import type { Driver } from '../driver';
import { required, type Workload } from './workload';

/**
 * S5: `concurrency` writers race on one account (opened untimed), each loading, depositing and
 * retrying on conflicts until the stream holds `until` events. Then the stream must hold
 * exactly versions 1..until: any gap or duplicate fails the run.
 */
export const race: Workload = async (driver, params, measure) => {
  const concurrency = required(params, 'concurrency');
  const until = required(params, 'until');
  // Warm-up on another account: the same code paths, conflicts included.
  await runRace(driver, await driver.prefill(1), Math.min(concurrency, 4), 40);
  const stream = await driver.prefill(1);
  let conflicts = 0;
  const seconds = await measure(async () => {
    conflicts = await runRace(driver, stream, concurrency, until);
  });
  await assertContiguous(driver, stream, until);
  return { operations: until - 1, seconds, notes: { conflicts } };
};

async function runRace(
  driver: Driver<unknown>,
  stream: unknown,
  writers: number,
  until: number,
): Promise<number> {
  const counts = await Promise.all(
    Array.from({ length: writers }, () => driver.race(stream, until)),
  );
  return counts.reduce((a, b) => a + b, 0);
}

async function assertContiguous(driver: Driver<unknown>, stream: unknown, until: number) {
  const versions = await driver.versions(stream);
  const wrong = versions.findIndex((v, i) => v !== i + 1);
  if (versions.length !== until || wrong !== -1) {
    throw new Error(
      `race left ${versions.length} events, expected versions 1..${until}` +
        (wrong === -1 ? '' : `; position ${wrong + 1} holds version ${versions[wrong]}`),
    );
  }
}
