import { performance } from 'node:perf_hooks';
import type * as PlatformaticKafka from '@platformatic/kafka';
import { importEsm } from '../../../support/import-esm';

/** What the projection keeps of one event, the first time it arrives. */
export interface ProjectedEvent {
  readonly id: string;
  readonly aggregateId: string;
  readonly version: number;
  readonly eventType: string;
  readonly partition: number;
  /** `performance.now()` when the consumer received it. */
  readonly receivedAt: number;
}

/** The read model: one row per aggregate. */
export interface SensorRow {
  version: number;
  label: string;
  total: number;
}

type StringMessage = PlatformaticKafka.Message<string, string, string, string>;

/**
 * A Kafka consumer (@platformatic/kafka) that builds a projection of the sensor events Debezium
 * routes to `topic`. Kafka delivers at least once, so it deduplicates by event id (the router's
 * `id` header): a record seen before counts as a duplicate and changes nothing. It also checks
 * what the key promises: each aggregate in one partition, its new events in version order.
 */
export class KafkaProjection {
  readonly rows = new Map<string, SensorRow>();
  readonly events = new Map<string, ProjectedEvent>();
  /** Every record received, duplicates included. */
  records = 0;
  duplicates = 0;
  /** Aggregates whose records arrived in more than one partition, or whose versions skipped. */
  readonly violations: string[] = [];
  readonly #partitions = new Map<string, number>();
  readonly #consumer: PlatformaticKafka.Consumer<string, string, string, string>;
  readonly #stream: PlatformaticKafka.MessagesStream<string, string, string, string>;

  private constructor(
    consumer: PlatformaticKafka.Consumer<string, string, string, string>,
    stream: PlatformaticKafka.MessagesStream<string, string, string, string>,
  ) {
    this.#consumer = consumer;
    this.#stream = stream;
    stream.on('data', (message: StringMessage) => this.#apply(message));
  }

  /** Creates `topic` with `partitions` partitions and starts consuming it from the beginning. */
  static async start(
    bootstrap: string,
    topic: string,
    partitions: number,
  ): Promise<KafkaProjection> {
    const kafka = (await importEsm('@platformatic/kafka')) as typeof PlatformaticKafka;
    const admin = new kafka.Admin({ clientId: 'tessera-cdc-admin', bootstrapBrokers: [bootstrap] });
    try {
      await admin.createTopics({ topics: [topic], partitions, replicas: 1 });
    } finally {
      await admin.close();
    }
    const consumer = new kafka.Consumer({
      groupId: `tessera-cdc-projection-${process.pid}`,
      clientId: 'tessera-cdc-projection',
      bootstrapBrokers: [bootstrap],
      deserializers: kafka.stringDeserializers,
    });
    const stream = await consumer.consume({
      topics: [topic],
      mode: kafka.MessagesStreamModes.EARLIEST,
      autocommit: true,
    });
    return new KafkaProjection(consumer, stream);
  }

  /** How many distinct events of `aggregateIds` the projection has applied. */
  appliedOf(aggregateIds: readonly string[]): number {
    return aggregateIds.reduce((sum, id) => sum + (this.rows.get(id)?.version ?? 0), 0);
  }

  async stop(): Promise<void> {
    await this.#stream.close();
    // The boolean overload of close() is callback-style; force: leave the group without waiting.
    await new Promise<void>((resolve, reject) =>
      this.#consumer.close(true, (error) => (error ? reject(error) : resolve())),
    );
  }

  #apply(message: StringMessage): void {
    const receivedAt = performance.now();
    this.records += 1;
    const id = header(message, 'id');
    const aggregateId = message.key;
    if (this.events.has(id)) {
      this.duplicates += 1;
      return;
    }
    const partition = this.#partitions.get(aggregateId);
    if (partition === undefined) this.#partitions.set(aggregateId, message.partition);
    else if (partition !== message.partition) {
      this.violations.push(`${aggregateId} in partitions ${partition} and ${message.partition}`);
    }
    const version = Number(header(message, 'version'));
    const eventType = header(message, 'eventType');
    const row = this.rows.get(aggregateId) ?? { version: 0, label: '', total: 0 };
    if (version !== row.version + 1) {
      this.violations.push(`${aggregateId}: version ${version} after ${row.version}`);
    }
    const payload = JSON.parse(message.value) as { label?: string; value?: number };
    if (eventType === 'FeedTest.SensorRegistered') row.label = payload.label ?? '';
    if (eventType === 'FeedTest.ReadingTaken') row.total += payload.value ?? 0;
    row.version = version;
    this.rows.set(aggregateId, row);
    this.events.set(id, {
      id,
      aggregateId,
      version,
      eventType,
      partition: message.partition,
      receivedAt,
    });
  }
}

function header(message: StringMessage, name: string): string {
  const value = message.headers.get(name);
  if (value === undefined) throw new Error(`record without a ${name} header: ${message.value}`);
  return value;
}
