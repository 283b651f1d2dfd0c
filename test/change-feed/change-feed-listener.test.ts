import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { pgClientConfigOf } from '../../src/infrastructure/change-feed/pg-client-config';
import {
  ChangeFeedListener,
  ChangeFeedNotifier,
  EventRepository,
  FEED_START,
  OrderedEventReader,
  OrderedFeedSubscription,
} from '../../src';
import { Sensor } from './support/feed-test-events';
import { eventually, useScratchDatabase } from './support/scratch-database';

// Long enough that only a wake-up, never the timer, can explain a delivery within a test.
const MINUTE = 60_000;

describe('ChangeFeedListener and ChangeFeedNotifier (LISTEN/NOTIFY as a hint)', () => {
  const db = useScratchDatabase();
  const appName = `tessera-listen-${process.pid}`;
  let listener: ChangeFeedListener;
  let subscription: OrderedFeedSubscription | undefined;
  let delivered: Set<string>;

  beforeEach(async () => {
    listener = new ChangeFeedListener(pgClientConfigOf(db.dataSource, appName), {
      reconnectDelayMs: 20,
    });
    await listener.start();
    delivered = new Set();
  });

  afterEach(async () => {
    await subscription?.stop();
    subscription = undefined;
    await listener.stop();
  });

  async function subscribeIdle(pollIntervalMs: number, withListener = true): Promise<void> {
    subscription = new OrderedFeedSubscription({
      reader: new OrderedEventReader(db.dataSource),
      from: FEED_START,
      pollIntervalMs,
      listener: withListener ? listener : undefined,
      handler: async (page) => {
        for (const event of page.events) delivered.add(event.aggregateId);
      },
    });
    subscription.start();
    await eventually('the subscription to catch up', () => subscription?.caughtUp === true);
  }

  async function appendSensor(): Promise<string> {
    const sensor = Sensor.register(randomUUID(), 'listened');
    await new EventRepository(db.dataSource).save(sensor);
    return sensor.id;
  }

  it('wakes an idle reader whose poll interval is a minute as soon as a writer notifies', async () => {
    await subscribeIdle(MINUTE);
    const notifier = new ChangeFeedNotifier(db.dataSource);
    const id = await appendSensor();
    await notifier.notify();
    // A notification can arrive while another database's transaction still holds the horizon
    // back; the writer of that transaction notifies in turn in real use. Here we nudge again.
    await eventually(
      'the notified reader to deliver',
      async () => {
        if (!delivered.has(id)) await notifier.notify();
        return delivered.has(id);
      },
      10_000,
    );
  });

  it('catches up from its checkpoint after the LISTEN connection drops, though the notification was missed', async () => {
    await subscribeIdle(MINUTE);
    // Appended without any NOTIFY: the hint is lost for good.
    const id = await appendSensor();
    const [{ killed }] = await db.dataSource.query<{ killed: number }[]>(
      "SELECT count(pg_terminate_backend(pid))::int AS killed FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'LISTEN%'",
      [appName],
    );
    expect(killed).to.equal(1);
    const readsBefore = subscription?.reads ?? 0;
    await eventually('the listener to reconnect', () => listener.connects >= 2);
    // With a one-minute poll interval, only the reconnect's wake-up can cause another read.
    await eventually(
      'a read caused by the reconnect',
      () => (subscription?.reads ?? 0) > readsBefore,
    );
    await eventually(
      'the reader to deliver after the reconnect',
      () => {
        // If another database's transaction held the horizon back during that read, the next
        // notification would wake the reader again; stand in for it.
        if (!delivered.has(id)) subscription?.wake();
        return delivered.has(id);
      },
      10_000,
    );
  });

  it('still delivers by polling when no notification is ever sent', async () => {
    await subscribeIdle(50, false);
    const id = await appendSensor();
    await eventually('the polling reader to deliver', () => delivered.has(id), 10_000);
  });

  it('coalesces a burst of notify() calls into a few NOTIFY statements', async () => {
    const notifier = new ChangeFeedNotifier(db.dataSource);
    await Promise.all(Array.from({ length: 200 }, () => notifier.notify()));
    expect(notifier.sent).to.be.within(1, 2);
  });
});
