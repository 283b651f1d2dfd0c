import type { DataSource } from 'typeorm';

type Callback = (error: Error | null, result: unknown) => void;
/** A config object with a callback, or a pg Query (a submittable) alone. */
interface Statement {
  text: string;
  values?: unknown[];
  name?: string;
}
interface Client {
  query(statement: Statement, callback?: Callback): void;
}
interface Driver {
  obtainMasterConnection(): Promise<[Client, (error?: unknown) => void]>;
}

/** Statements the repository sent on pooled connections, in order, while recording. */
export interface StatementRecording {
  readonly statements: Array<{
    readonly text: string;
    readonly values: readonly unknown[];
    /** The prepared statement's name; undefined for an unnamed statement. */
    readonly name: string | undefined;
  }>;
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
    // Inherits from the real client, so the repository sees the same class (and pg's Query).
    const proxy = Object.create(client) as Client;
    proxy.query = (statement, callback) => {
      statements.push({
        text: statement.text,
        values: statement.values ?? [],
        name: statement.name,
      });
      onStatement(statement.text, statement.values ?? []);
      client.query(statement, callback);
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
