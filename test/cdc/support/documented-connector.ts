import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A Kafka Connect connector as the REST API and `ConnectStandalone` take it. */
export interface ConnectorDefinition {
  readonly name: string;
  readonly config: Readonly<Record<string, string>>;
}

/** docs/cdc-debezium.md, whose connector block is the configuration the pipeline test runs. */
export const DEBEZIUM_DOC = join(__dirname, '..', '..', '..', 'docs', 'cdc-debezium.md');

/** The connector JSON block of docs/cdc-debezium.md, exactly as the page shows it. */
export function documentedConnector(): ConnectorDefinition {
  const doc = readFileSync(DEBEZIUM_DOC, 'utf8');
  const blocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map(
    (m) => JSON.parse(m[1]) as unknown,
  );
  const connector = blocks.find(isConnectorDefinition);
  if (!connector) throw new Error(`no connector config block in ${DEBEZIUM_DOC}`);
  return connector;
}

function isConnectorDefinition(block: unknown): block is ConnectorDefinition {
  if (typeof block !== 'object' || block === null) return false;
  const { name, config } = block as { name?: unknown; config?: unknown };
  return (
    typeof name === 'string' &&
    typeof config === 'object' &&
    config !== null &&
    Object.values(config).every((value) => typeof value === 'string')
  );
}
