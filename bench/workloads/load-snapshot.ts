import { randomUUID } from 'node:crypto';
import { Owner } from '../../examples/bank-account';
import { BenchSnapAccount } from '../bench-snap-account';
import { OWNER } from '../bank-events';
import { TesseraDriver } from '../drivers/tessera-driver';
import { required, warmUpCount, type Workload } from './workload';

const SAVE_BATCH = 1000;
/** Events saved after the latest snapshot: a load reads the snapshot, then these. */
const TAIL = 50;

/**
 * S4 with snapshots (tessera only): repeated loads of a BenchSnapAccount (snapshot every 100
 * events) of `events` events plus 50, written untimed through `save` in batches of 1,000 so the
 * repository writes its snapshots itself: the latest at version `events`, then 50 events after it.
 */
export const loadSnapshot: Workload = async (driver, params, measure) => {
  if (!(driver instanceof TesseraDriver)) throw new Error('load-snapshot runs on tessera only');
  const operations = required(params, 'operations');
  const events = required(params, 'events');
  if (events % 100 !== 0) throw new Error('load-snapshot needs a multiple of 100 events');
  const repository = driver.repository;
  const account = BenchSnapAccount.open(randomUUID(), new Owner(OWNER.name, OWNER.email));
  const saveUntil = async (version: number): Promise<void> => {
    while (account.version < version) {
      const size = Math.min(SAVE_BATCH, version - account.version);
      while (account.getUncommittedEvents().length < size) account.deposit(1);
      await repository.save(account);
    }
  };
  await saveUntil(events);
  await saveUntil(events + TAIL);
  const expectedVersion = events + TAIL;
  const snapshots = await driver.dataSource.query<Array<{ version: number }>>(
    'SELECT version FROM snapshots WHERE aggregate_id = $1',
    [account.id],
  );
  if (snapshots[0]?.version !== events) {
    throw new Error(`expected a snapshot at version ${events}, found ${JSON.stringify(snapshots)}`);
  }
  const check = (loaded: BenchSnapAccount): void => {
    if (loaded.balance !== expectedVersion - 1 || loaded.version !== expectedVersion) {
      throw new Error(
        `loaded v${loaded.version} balance ${loaded.balance}, expected v${expectedVersion}`,
      );
    }
  };
  for (let i = 0; i < warmUpCount(operations); i++) {
    check(await repository.load(BenchSnapAccount, account.id));
  }
  const seconds = await measure(async () => {
    for (let i = 0; i < operations; i++) {
      check(await repository.load(BenchSnapAccount, account.id));
    }
  });
  return {
    operations,
    seconds,
    notes: { snapshotAtVersion: events, streamVersion: expectedVersion },
  };
};
