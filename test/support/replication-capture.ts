import type { DataSource } from 'typeorm';
import { LogicalReplicationConsumer, type ReplicatedTransaction } from '../../src';
import { pgClientConfigOf } from '../../src/infrastructure/change-feed/pg-client-config';

/** A started pgoutput consumer on a new slot, and every transaction it has delivered so far. */
export interface ReplicationCapture {
  readonly consumer: LogicalReplicationConsumer;
  readonly received: ReplicatedTransaction[];
}

/**
 * Creates `slotName` on `dataSource`'s database and starts a consumer that collects what it
 * delivers: what a test checks the feed against. The caller stops it and drops the slot.
 */
export async function captureReplication(
  dataSource: DataSource,
  slotName: string,
): Promise<ReplicationCapture> {
  const received: ReplicatedTransaction[] = [];
  const consumer = new LogicalReplicationConsumer({
    connection: pgClientConfigOf(dataSource),
    slotName,
    handler: (txs) => {
      received.push(...txs);
      return Promise.resolve();
    },
  });
  await consumer.createSlot();
  await consumer.start();
  return { consumer, received };
}
