/**
 * A consumer in a process of its own, for the test that kills it mid-stream. It records every
 * event it handles in `received` (one transaction per batch, before the batch is acknowledged)
 * and prints "streaming" once the server has accepted START_REPLICATION.
 *
 * Environment: FEED_URL (database), FEED_SLOT (slot name).
 */
import { Client } from 'pg';
import { LogicalReplicationConsumer } from '../../../src/infrastructure/change-feed/logical-replication-consumer';

async function main(): Promise<void> {
  const url = process.env.FEED_URL ?? '';
  const db = new Client({ connectionString: url });
  await db.connect();
  const consumer = new LogicalReplicationConsumer({
    connection: { connectionString: url },
    slotName: process.env.FEED_SLOT ?? '',
    maxBatchEvents: 20,
    handler: async (transactions) => {
      const ids = transactions.flatMap((tx) => tx.events.map((e) => e.eventId));
      await db.query(
        "INSERT INTO received (event_id, consumer) SELECT unnest($1::uuid[]), 'child'",
        [ids],
      );
    },
  });
  await consumer.start();
  process.stdout.write('streaming\n');
  await consumer.closed;
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
