import type { DataSource } from 'typeorm';

type Callback = (error: Error | null, result: unknown) => void;
interface Client {
  query(config: { text: string; values?: unknown[] }, callback: Callback): void;
}
interface Driver {
  obtainMasterConnection(): Promise<[Client, (error?: unknown) => void]>;
}

/** Statements the repository sent on pooled connections, in order, while recording. */
export interface StatementRecording {
  readonly statements: Array<{ readonly text: string; readonly values: readonly unknown[] }>;
  /** Puts the driver back as it was. */
  restore(): void;
}

/**
 * Wraps the driver's pool so every statement EventRepository sends outside a caller's
 * transaction is recorded (and `onStatement` called) as it is sent.
 */
export function recordStatements(
  dataSource: DataSource,
  onStatement: (text: string, values: readonly unknown[]) => void = () => undefined,
): StatementRecording {
  const driver = dataSource.driver as unknown as Driver;
  const original = driver.obtainMasterConnection.bind(driver);
  const statements: StatementRecording['statements'] = [];
  driver.obtainMasterConnection = async () => {
    const [client, release] = await original();
    const proxy: Client = {
      query: (config, callback) => {
        statements.push({ text: config.text, values: config.values ?? [] });
        onStatement(config.text, config.values ?? []);
        client.query(config, callback);
      },
    };
    return [proxy, release];
  };
  return {
    statements,
    restore: () => {
      driver.obtainMasterConnection = original;
    },
  };
}
