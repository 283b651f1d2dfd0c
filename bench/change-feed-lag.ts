/**
 * `npm run bench:feed`: end-to-end lag of the change feed under the S3 write load (32 concurrent
 * writers, one event per save), for the ordered reader (woken by NOTIFY, and polling alone) and
 * for the logical-replication consumer. Lag = from the writer's save() resolving to the commit of
 * the read-model transaction that applied the event (one transaction per delivered batch).
 *
 * Runs on a throwaway embedded PostgreSQL 18 with wal_level=logical (fsync off, as every embedded
 * server here). Writes bench/RESULTS-change-feed.md. BENCH_SECONDS sets each run's length.
 */
import 'reflect-metadata';
import { pgClientConfigOf } from '../src/infrastructure/change-feed/pg-client-config';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  ChangeFeedListener,
  ChangeFeedNotifier,
  createTesseraDataSource,
  EventRepository,
  FEED_START,
  LogicalReplicationConsumer,
  OrderedEventReader,
  OrderedFeedSubscription,
  type FeedEvent,
} from '../src';
import { BankAccount, Owner } from '../examples/bank-account';
import { createScratchDatabase, startLocalPostgres } from '../support/local-postgres';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WRITERS = 32;
const owner = new Owner('Bench', 'bench@example.com');

interface RunResult {
  readonly mode: string;
  readonly appended: number;
  readonly delivered: number;
  readonly duplicates: number;
  readonly appendRate: number;
  readonly deliveryRate: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly notifies?: number;
}

type Deliver = (events: readonly FeedEvent[]) => Promise<void>;
interface Consumer {
  start(deliver: Deliver): Promise<void>;
  stop(): Promise<void>;
  notifier?: ChangeFeedNotifier;
}

async function run(
  dataSource: DataSource,
  mode: string,
  consumer: Consumer,
  seconds = SECONDS,
): Promise<RunResult> {
  await dataSource.query('TRUNCATE read_model');
  const appendedAt = new Map<string, number>();
  const measured = new Set<string>();
  const lags: number[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  let firstDelivery = 0;
  let lastDelivery = 0;
  await consumer.start(async (events) => {
    // The projection: one transaction per batch, as the runners do (checkpoint included).
    await dataSource.transaction(async (manager) => {
      await manager.query('INSERT INTO read_model (n) VALUES ($1)', [events.length]);
    });
    const now = performance.now();
    firstDelivery ||= now;
    lastDelivery = now;
    for (const event of events) {
      if (seen.has(event.eventId)) duplicates += 1;
      seen.add(event.eventId);
      if (!measured.has(event.eventId)) continue;
      const at = appendedAt.get(event.eventId);
      // A commit can reach the feed before the writer's client hears back: that is zero lag.
      lags.push(at === undefined ? 0 : Math.max(0, now - at));
    }
  });
  const repository = new EventRepository(dataSource);
  const baseline = seen.size;
  const accounts = await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      const account = BankAccount.open(randomUUID(), owner, 'EUR');
      await repository.save(account);
      return account;
    }),
  );
  let appended = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    accounts.map(async (account) => {
      while (performance.now() < deadline) {
        account.deposit(1);
        const [envelope] = account.getUncommittedEnvelopes();
        measured.add(envelope.eventId);
        await repository.save(account);
        appendedAt.set(envelope.eventId, performance.now());
        appended += 1;
        if (consumer.notifier) void consumer.notifier.notify();
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const expected = baseline + WRITERS + appended;
  const waitUntil = performance.now() + 60_000;
  while (seen.size < expected && performance.now() < waitUntil) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await consumer.stop();
  const sorted = lags.sort((a, b) => a - b);
  const pick = (q: number): number =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return {
    mode,
    appended,
    delivered: seen.size - baseline - WRITERS,
    duplicates,
    appendRate: appended / elapsed,
    deliveryRate: seen.size / ((lastDelivery - firstDelivery) / 1000 || 1),
    p50: pick(0.5),
    p99: pick(0.99),
    max: sorted[sorted.length - 1] ?? NaN,
    notifies: consumer.notifier?.sent,
  };
}

function orderedConsumer(dataSource: DataSource, withNotify: boolean): Consumer {
  let subscription: OrderedFeedSubscription | undefined;
  let listener: ChangeFeedListener | undefined;
  const notifier = withNotify ? new ChangeFeedNotifier(dataSource) : undefined;
  return {
    notifier,
    async start(deliver) {
      if (withNotify) {
        listener = new ChangeFeedListener(pgClientConfigOf(dataSource));
        await listener.start();
      }
      let checkpoint = FEED_START;
      const reader = new OrderedEventReader(dataSource);
      for (;;) {
        const page = await reader.readPage(checkpoint, { limit: 1000 });
        checkpoint = page.checkpoint;
        if (!page.hasMore) break;
      }
      subscription = new OrderedFeedSubscription({
        reader,
        from: checkpoint,
        batchSize: 500,
        pollIntervalMs: withNotify ? 1000 : 10,
        listener,
        handler: (page) => deliver(page.events),
      });
      subscription.start();
    },
    async stop() {
      await subscription?.stop();
      await listener?.stop();
    },
  };
}

function replicationConsumer(dataSource: DataSource): Consumer {
  let consumer: LogicalReplicationConsumer | undefined;
  return {
    async start(deliver) {
      consumer = new LogicalReplicationConsumer({
        connection: pgClientConfigOf(dataSource),
        slotName: 'bench_feed',
        maxBatchEvents: 500,
        handler: (transactions) => deliver(transactions.flatMap((tx) => tx.events)),
      });
      await consumer.createSlot();
      await consumer.start();
    },
    async stop() {
      await consumer?.dropSlot();
    },
  };
}

async function main(): Promise<void> {
  const server = await startLocalPostgres({
    forceEmbedded: true,
    postgresFlags: [
      '-c',
      'wal_level=logical',
      '-c',
      'max_replication_slots=4',
      '-c',
      'max_wal_senders=4',
    ],
  });
  const scratch = await createScratchDatabase(server.url, 'tessera_bench_feed');
  const dataSource = createTesseraDataSource({ url: scratch.url, poolSize: WRITERS + 8 });
  const results: RunResult[] = [];
  try {
    await dataSource.initialize();
    await dataSource.runMigrations();
    await dataSource.query('CREATE TABLE read_model (id bigserial PRIMARY KEY, n int NOT NULL)');
    // Warm-up (caches, plans, the first autovacuum of new tables), not reported.
    await run(dataSource, 'warm-up', orderedConsumer(dataSource, false), 3);
    const modes: [string, () => Consumer][] = [
      ['ordered reader, 10 ms poll, no NOTIFY', () => orderedConsumer(dataSource, false)],
      [
        'ordered reader, NOTIFY after each save (coalesced), 1 s poll',
        () => orderedConsumer(dataSource, true),
      ],
      ['logical replication (pgoutput)', () => replicationConsumer(dataSource)],
    ];
    for (const [mode, make] of modes) {
      const result = await run(dataSource, mode, make());
      results.push(result);
      console.log(JSON.stringify(result));
    }
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await scratch.drop();
    await server.stop();
  }
  writeFileSync(join(__dirname, 'RESULTS-change-feed.md'), report(results));
  console.log('wrote bench/RESULTS-change-feed.md');
}

function report(results: readonly RunResult[]): string {
  const f = (n: number, d = 1): string => (Number.isFinite(n) ? n.toFixed(d) : '-');
  const rows = results.map(
    (r) =>
      `| ${r.mode} | ${f(r.appendRate, 0)} | ${f(r.deliveryRate, 0)} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.max)} | ${r.appended} | ${r.delivered} | ${r.duplicates} | ${r.notifies ?? '-'} |`,
  );
  return [
    '# Change feed: end-to-end lag (bench/change-feed-lag.ts)',
    '',
    `Load (S3): ${WRITERS} concurrent writers, each saving one event per save to its own aggregate, ` +
      `${SECONDS} s per mode. Lag: save() resolved → read-model transaction of that event committed ` +
      '(one transaction per delivered batch). Embedded PostgreSQL 18, wal_level=logical, fsync off, ' +
      `${new Date().toISOString().slice(0, 10)}, 2 cores. Writers, consumer and read model share one ` +
      'Node.js process and the two cores with the server, so lag includes event-loop queueing.',
    '',
    '| mode | appended/s | delivered/s | lag p50 ms | lag p99 ms | lag max ms | appended | delivered | duplicates | NOTIFYs sent |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    'delivered/s is measured from the first to the last delivery of the run (the consumer keeps up ' +
      'with the writers, so it mostly equals the append rate; it is a floor, not a ceiling).',
    '',
  ].join('\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
