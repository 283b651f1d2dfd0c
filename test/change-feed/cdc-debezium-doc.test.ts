import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENTS_PUBLICATION, EVENTS_TABLE } from '../../src';
import { useScratchDatabase } from './support/scratch-database';

/** The connector config block of docs/cdc-debezium.md. */
function documentedConfig(): Record<string, string> {
  const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'cdc-debezium.md'), 'utf8');
  const blocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map(
    (m) => JSON.parse(m[1]) as unknown,
  );
  const connector = blocks.find(
    (b): b is { config: Record<string, string> } =>
      typeof b === 'object' && b !== null && 'config' in b,
  );
  if (!connector) throw new Error('no connector config block in docs/cdc-debezium.md');
  return connector.config;
}

// What the Outbox Event Router accepts for each role (Debezium 2.x documentation).
const ACCEPTED: Record<string, readonly string[]> = {
  'table.field.event.id': ['uuid', 'character varying', 'text'],
  'table.field.event.key': ['uuid', 'character varying', 'text'],
  'table.field.event.payload': ['jsonb', 'json', 'character varying', 'text'],
  'route.by.field': ['character varying', 'text'],
};

describe('docs/cdc-debezium.md connector config', () => {
  const db = useScratchDatabase();
  const config = documentedConfig();

  it('streams the migration publication of the events table with pgoutput', async () => {
    expect(config['plugin.name']).to.equal('pgoutput');
    expect(config['publication.name']).to.equal(EVENTS_PUBLICATION);
    expect(config['publication.autocreate.mode']).to.equal('disabled');
    expect(config['table.include.list']).to.equal(`public.${EVENTS_TABLE}`);
    const rows = await db.dataSource.query<
      {
        pubinsert: boolean;
        pubupdate: boolean;
        pubdelete: boolean;
        schemaname: string;
        tablename: string;
      }[]
    >(
      `SELECT p.pubinsert, p.pubupdate, p.pubdelete, t.schemaname, t.tablename
         FROM pg_publication p JOIN pg_publication_tables t ON t.pubname = p.pubname
        WHERE p.pubname = $1`,
      [config['publication.name']],
    );
    expect(rows).to.deep.equal([
      {
        pubinsert: true,
        pubupdate: false,
        pubdelete: false,
        schemaname: 'public',
        tablename: 'events',
      },
    ]);
  });

  it('names only existing columns of the events table, each of a type the Outbox Event Router accepts', async () => {
    const columns = new Map(
      (
        await db.dataSource.query<{ column_name: string; data_type: string }[]>(
          "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1",
          [EVENTS_TABLE],
        )
      ).map((c) => [c.column_name, c.data_type]),
    );
    const prefix = 'transforms.outbox.';
    expect(config[`${prefix}type`]).to.equal('io.debezium.transforms.outbox.EventRouter');
    for (const [option, accepted] of Object.entries(ACCEPTED)) {
      const column = config[prefix + option];
      expect(column, option).to.be.a('string');
      expect(accepted, `${option} = ${column} (${columns.get(column)})`).to.include(
        columns.get(column),
      );
    }
    expect(config[`${prefix}table.field.event.key`]).to.equal('aggregate_id');
    // The router cannot use a timestamptz as the record timestamp.
    expect(config[`${prefix}table.field.event.timestamp`]).to.equal(undefined);
    const placed = config[`${prefix}table.fields.additional.placement`].split(',').map((p) => {
      const [column, where, alias] = p.split(':');
      return { column, where, alias };
    });
    for (const { column, where } of placed) {
      expect(columns.has(column), `additional field ${column}`).to.equal(true);
      expect(['header', 'envelope', 'partition']).to.include(where);
    }
    expect(placed.map((p) => p.column)).to.include.members(['event_type', 'version']);
    expect(config[`${prefix}table.expand.json.payload`]).to.equal('true');
    expect(columns.get(config[`${prefix}table.field.event.payload`])).to.equal('jsonb');
  });
});
