import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectorDefinition } from './documented-connector';
import { freePort } from './free-port';
import { JavaProcess, waitForJava } from './java-process';
import { DEBEZIUM_SUPPORT_DIR } from './java-toolchain';

/** Kafka Connect standalone running one connector, started by {@link startConnectStandalone}. */
export interface ConnectStandalone {
  /** Crashes the worker (SIGKILL): offsets not yet flushed to its file are lost. */
  kill(): Promise<void>;
  /** Starts the worker again on the same offsets file and connector, once it is down. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

interface TaskStatus {
  connector?: { state?: string };
  tasks?: { state?: string; trace?: string }[];
}

/**
 * Runs `ConnectStandalone` with support/debezium/worker.properties (plus the broker, a REST
 * port and an offsets file under `dir`) and `connector` written as a JSON file, and waits until
 * the connector's task is RUNNING.
 */
export async function startConnectStandalone(
  classpath: string,
  dir: string,
  bootstrap: string,
  connector: ConnectorDefinition,
  timeoutMs: number,
): Promise<ConnectStandalone> {
  const restPort = await freePort();
  const worker = join(dir, 'worker.properties');
  writeFileSync(
    worker,
    [
      readFileSync(join(DEBEZIUM_SUPPORT_DIR, 'worker.properties'), 'utf8'),
      `bootstrap.servers=${bootstrap}`,
      `listeners=http://127.0.0.1:${restPort}`,
      `offset.storage.file.filename=${join(dir, 'connect.offsets')}`,
      '',
    ].join('\n'),
  );
  const connectorFile = join(dir, 'connector.json');
  writeFileSync(connectorFile, JSON.stringify(connector, null, 2));

  let process: JavaProcess | undefined;
  const start = async (): Promise<void> => {
    const started = JavaProcess.start(
      classpath,
      'org.apache.kafka.connect.cli.ConnectStandalone',
      [worker, connectorFile],
      join(dir, 'connect.log'),
    );
    process = started;
    try {
      await waitForJava(
        started,
        `connector ${connector.name} to run`,
        () => taskRunning(restPort, connector.name),
        timeoutMs,
      );
    } catch (error) {
      await started.kill();
      throw error;
    }
  };
  await start();
  return {
    kill: async () => process?.kill(),
    restart: async () => {
      if (process?.running) throw new Error('Connect is still running; kill() or stop() it first');
      await start();
    },
    stop: async () => process?.stop(),
  };
}

async function taskRunning(restPort: number, name: string): Promise<boolean> {
  let status: TaskStatus;
  try {
    const response = await fetch(`http://127.0.0.1:${restPort}/connectors/${name}/status`);
    if (!response.ok) return false;
    status = (await response.json()) as TaskStatus;
  } catch {
    return false; // the REST server is not up yet
  }
  const failed = status.tasks?.find((task) => task.state === 'FAILED');
  if (failed) throw new Error(`connector ${name} failed:\n${failed.trace ?? '(no trace)'}`);
  return status.connector?.state === 'RUNNING' && status.tasks?.[0]?.state === 'RUNNING';
}
