import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, isListening } from './free-port';
import { JavaProcess, waitForJava } from './java-process';
import { DEBEZIUM_SUPPORT_DIR } from './java-toolchain';

/** A single-node KRaft broker started by {@link startKafkaBroker}. */
export interface KafkaBroker {
  /** `127.0.0.1:<port>` of the PLAINTEXT listener. */
  readonly bootstrap: string;
  stop(): Promise<void>;
}

/**
 * Formats a fresh KRaft log directory under `dir` and runs `kafka.Kafka` on it, broker and
 * controller in one process, with support/debezium/broker.properties and free loopback ports.
 */
export async function startKafkaBroker(
  classpath: string,
  dir: string,
  timeoutMs: number,
): Promise<KafkaBroker> {
  const [port, controllerPort] = [await freePort(), await freePort()];
  const config = join(dir, 'broker.properties');
  writeFileSync(
    config,
    [
      readFileSync(join(DEBEZIUM_SUPPORT_DIR, 'broker.properties'), 'utf8'),
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      `log.dirs=${join(dir, 'kafka-data')}`,
      '',
    ].join('\n'),
  );
  const clusterId = randomBytes(16).toString('base64url');
  const format = JavaProcess.start(
    classpath,
    'kafka.tools.StorageTool',
    ['format', '--cluster-id', clusterId, '--config', config],
    join(dir, 'kafka-format.log'),
  );
  const formatted = await format.exited();
  if (formatted !== 0) throw new Error(`kafka storage format failed:\n${format.tail()}`);

  const broker = JavaProcess.start(classpath, 'kafka.Kafka', [config], join(dir, 'kafka.log'));
  try {
    await waitForJava(broker, 'the Kafka broker', () => isListening(port), timeoutMs);
  } catch (error) {
    await broker.kill();
    throw error;
  }
  return { bootstrap: `127.0.0.1:${port}`, stop: () => broker.stop() };
}
