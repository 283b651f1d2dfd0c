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
  /** pg's protocol reader: emits 'dataRow' for each row message it parses. */
  connection?: {
    prependListener(event: 'dataRow', listener: () => void): void;
    removeListener(event: 'dataRow', listener: () => void): void;
  };
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
  /** Puts the driver back as it was; safe to pass around unbound. */
  readonly restore: () => void;
}

/**
 * Wraps the driver's pool so every statement EventRepository sends outside a caller's
 * transaction is recorded (and `onStatement` called) as it is sent. `onRowMessage`, when given,
 * is called for each row message as it comes off the wire, before pg hands the row on.
 */
export function recordStatements(
  dataSource: DataSource,
  onStatement: (text: string, values: readonly unknown[]) => void = () => undefined,
  onRowMessage?: () => void,
): StatementRecording {
  const driver = dataSource.driver as unknown as Driver;
  const original = driver.obtainMasterConnection.bind(driver);
  const statements: StatementRecording['statements'] = [];
  driver.obtainMasterConnection = async () => {
    const [client, release] = await original();
    const connection = client.connection;
    const onRow = (): void => onRowMessage?.();
    if (onRowMessage) {
      if (!connection) throw new Error('this pg client has no connection to listen on');
      connection.prependListener('dataRow', onRow);
    }
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
    return [
      proxy,
      (error?: unknown) => {
        connection?.removeListener('dataRow', onRow);
        release(error);
      },
    ];
  };
  return {
    statements,
    restore: () => {
      driver.obtainMasterConnection = original;
    },
  };
}
