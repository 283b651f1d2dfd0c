import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { createTesseraDataSource } from '../../../src/infrastructure/session/tessera-data-source';
import {
  createScratchDatabase,
  startLocalPostgres,
  type LocalPostgres,
  type ScratchDatabase,
} from '../../../support/local-postgres';
import { startConnectStandalone, type ConnectStandalone } from './connect-standalone';
import { documentedConnector, type ConnectorDefinition } from './documented-connector';
import { KafkaProjection } from './kafka-projection';
import { resolveClasspath } from './java-toolchain';
import { startKafkaBroker } from './kafka-broker';

/** The aggregate type of test/change-feed/support/feed-test-events.ts, routed to its topic. */
const AGGREGATE_TYPE = 'FeedTest.Sensor';
const PARTITIONS = 4;

/** Generous: two shared cores, and a first run downloads the Java side. */
const TIMEOUTS = { maven: 300_000, jvm: 120_000 };

/** Every process of the pipeline, started by {@link startDebeziumPipeline}. */
export interface DebeziumPipeline {
  /** A migrated database on a `wal_level=logical` PostgreSQL 18. */
  readonly dataSource: DataSource;
  readonly connect: ConnectStandalone;
  readonly projection: KafkaProjection;
  /** The connector as it runs: the documented one with this machine's connection settings. */
  readonly connector: ConnectorDefinition;
  readonly topic: string;
  /** Stops everything that started, last started first. */
  stop(): Promise<void>;
}

/**
 * Starts PostgreSQL (embedded, `wal_level=logical`, Tessera's migrations), a KRaft Kafka broker,
 * the Node projection, and Kafka Connect standalone running the connector of
 * docs/cdc-debezium.md; resolves once Debezium holds its replication slot.
 */
export async function startDebeziumPipeline(): Promise<DebeziumPipeline> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async (): Promise<void> => {
    for (const step of stops.splice(0).reverse()) await step();
  };
  try {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-cdc-'));
    stops.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
    const [classpath, server] = await Promise.all([
      resolveClasspath(TIMEOUTS.maven),
      startLocalPostgres({
        forceEmbedded: true,
        postgresFlags: [
          '-c',
          'wal_level=logical',
          '-c',
          'max_replication_slots=4',
          '-c',
          'max_wal_senders=4',
        ],
      }),
    ]);
    stops.push(() => server.stop());
    const { dataSource, scratch } = await migratedDatabase(server);
    stops.push(() => scratch.drop());
    stops.push(() => dataSource.destroy());

    const broker = await startKafkaBroker(classpath, dir, TIMEOUTS.jvm);
    stops.push(() => broker.stop());
    const documented = documentedConnector();
    const topic = documented.config['transforms.outbox.route.topic.replacement'].replace(
      '${routedByValue}',
      AGGREGATE_TYPE,
    );
    const projection = await KafkaProjection.start(broker.bootstrap, topic, PARTITIONS);
    stops.push(() => projection.stop());

    const connector = localConnector(documented, scratch, dir);
    const connect = await startConnectStandalone(
      classpath,
      dir,
      broker.bootstrap,
      connector,
      TIMEOUTS.jvm,
    );
    const slot = connector.config['slot.name'];
    stops.push(async () => {
      await connect.stop();
      await dataSource.query('SELECT pg_drop_replication_slot($1)', [slot]);
    });
    await waitForSlot(dataSource, slot, TIMEOUTS.jvm);
    return { dataSource, connect, projection, connector, topic, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Polls until the connector's replication slot exists and is in use. */
export async function waitForSlot(
  dataSource: DataSource,
  slot: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await dataSource.query<{ active: boolean }[]>(
      'SELECT active FROM pg_replication_slots WHERE slot_name = $1',
      [slot],
    );
    if (rows[0]?.active === true) return;
    if (Date.now() > deadline) throw new Error(`slot ${slot} not active after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function migratedDatabase(
  server: LocalPostgres,
): Promise<{ dataSource: DataSource; scratch: ScratchDatabase }> {
  const scratch = await createScratchDatabase(server.url, 'tessera_cdc');
  const dataSource = createTesseraDataSource({ url: scratch.url, poolSize: 12 });
  try {
    await dataSource.initialize();
    await dataSource.runMigrations();
  } catch (error) {
    await scratch.drop();
    throw error;
  }
  return { dataSource, scratch };
}

/**
 * The documented connector with only what differs per deployment replaced: where the database
 * is, and who Debezium logs in as (the embedded server's superuser, which has REPLICATION). The
 * password still comes through the documented `${file:...}` provider, from a file under `dir`.
 */
function localConnector(
  documented: ConnectorDefinition,
  scratch: ScratchDatabase,
  dir: string,
): ConnectorDefinition {
  const url = new URL(scratch.url);
  const secrets = join(dir, 'postgres.properties');
  writeFileSync(secrets, `password=${decodeURIComponent(url.password)}\n`, { mode: 0o600 });
  return {
    name: documented.name,
    config: {
      ...documented.config,
      'database.hostname': url.hostname,
      'database.port': url.port,
      'database.user': decodeURIComponent(url.username),
      'database.password': documented.config['database.password'].replace(
        /\$\{file:[^:]+:/,
        `\${file:${secrets}:`,
      ),
      'database.dbname': scratch.name,
    },
  };
}
