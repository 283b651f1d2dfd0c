import { expect } from 'chai';
import { DataSource } from 'typeorm';
import { createTesseraDataSource } from '../../src/infrastructure/session/tessera-data-source';
import {
  AGGREGATE_VERSION_CONSTRAINT,
  EVENT_COMMAND_KEY_CHECK,
  EVENT_COMMAND_KEY_INDEX,
  EVENTS_TABLE,
} from '../../src/migrations/schema-names';
import { createScratchDatabase } from '../../support/local-postgres';
import { TESSERA_MIGRATIONS } from '../../src/migrations';
import { ensureTestServer, useTestDatabase } from '../support/database';

interface ColumnRow {
  column_name: string;
  data_type: string;
  udt_name: string;
  character_maximum_length: number | null;
  is_nullable: 'YES' | 'NO';
  column_default: string | null;
  is_identity: 'YES' | 'NO';
  identity_generation: string | null;
}

type ExpectedColumn = Pick<ColumnRow, 'data_type' | 'udt_name' | 'column_default'> & {
  length?: number;
  nullable?: true;
};

// ADR-0005's columns plus position/transaction_id, which the change feed needs, and the command
// key a keyed save writes on its first event per stream (CommandKeysOnEvents1732500060000).
const EXPECTED_COLUMNS: Record<string, ExpectedColumn> = {
  id: { data_type: 'uuid', udt_name: 'uuid', column_default: 'gen_random_uuid()' },
  aggregate_id: { data_type: 'uuid', udt_name: 'uuid', column_default: null },
  aggregate_type: {
    data_type: 'character varying',
    udt_name: 'varchar',
    column_default: null,
    length: 255,
  },
  event_type: {
    data_type: 'character varying',
    udt_name: 'varchar',
    column_default: null,
    length: 255,
  },
  version: { data_type: 'integer', udt_name: 'int4', column_default: null },
  payload: { data_type: 'jsonb', udt_name: 'jsonb', column_default: null },
  metadata: { data_type: 'jsonb', udt_name: 'jsonb', column_default: null },
  created_at: {
    data_type: 'timestamp with time zone',
    udt_name: 'timestamptz',
    column_default: 'now()',
  },
  position: { data_type: 'bigint', udt_name: 'int8', column_default: null },
  transaction_id: { data_type: 'xid8', udt_name: 'xid8', column_default: 'pg_current_xact_id()' },
  command_id: {
    data_type: 'character varying',
    udt_name: 'varchar',
    column_default: null,
    length: 255,
    nullable: true,
  },
  command_fingerprint: {
    data_type: 'character varying',
    udt_name: 'varchar',
    column_default: null,
    length: 64,
    nullable: true,
  },
  command_last_version: {
    data_type: 'integer',
    udt_name: 'int4',
    column_default: null,
    nullable: true,
  },
};

async function columns(dataSource: DataSource): Promise<Map<string, ColumnRow>> {
  const rows: ColumnRow[] = await dataSource.query(
    `SELECT column_name, data_type, udt_name, character_maximum_length, is_nullable,
            column_default, is_identity, identity_generation
       FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = $1`,
    [EVENTS_TABLE],
  );
  return new Map(rows.map((row) => [row.column_name, row]));
}

/** Column names of a constraint, in key order. */
async function constraintColumns(dataSource: DataSource, name: string): Promise<string[]> {
  const rows: Array<{ column_name: string }> = await dataSource.query(
    `SELECT a.attname AS column_name
       FROM pg_constraint c
       CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
      WHERE c.conname = $1 AND c.conrelid = $2::regclass
      ORDER BY k.ord`,
    [name, EVENTS_TABLE],
  );
  return rows.map((row) => row.column_name);
}

async function tableExists(dataSource: DataSource): Promise<boolean> {
  const [row]: Array<{ exists: boolean }> = await dataSource.query(
    'SELECT to_regclass($1) IS NOT NULL AS exists',
    [EVENTS_TABLE],
  );
  return row.exists;
}

describe('events table schema (migration CreateEventsTable)', () => {
  const db = useTestDatabase();

  it('has exactly the expected columns, types, nullability and defaults', async () => {
    const actual = await columns(db.dataSource);
    expect([...actual.keys()].sort()).to.deep.equal(Object.keys(EXPECTED_COLUMNS).sort());
    for (const [name, expected] of Object.entries(EXPECTED_COLUMNS)) {
      const column = actual.get(name);
      expect(column, name).to.not.equal(undefined);
      expect(column?.data_type, `${name} data_type`).to.equal(expected.data_type);
      expect(column?.udt_name, `${name} udt_name`).to.equal(expected.udt_name);
      expect(column?.is_nullable, `${name} is_nullable`).to.equal(expected.nullable ? 'YES' : 'NO');
      expect(column?.column_default, `${name} default`).to.equal(expected.column_default);
      if (expected.length !== undefined) {
        expect(column?.character_maximum_length, `${name} length`).to.equal(expected.length);
      }
    }
  });

  it('generates position as an identity column (GENERATED ALWAYS)', async () => {
    const position = (await columns(db.dataSource)).get('position');
    expect(position?.is_identity).to.equal('YES');
    expect(position?.identity_generation).to.equal('ALWAYS');
  });

  it('has the named constraints the repository and change feed rely on', async () => {
    const rows: Array<{ conname: string; contype: string; definition: string }> =
      await db.dataSource.query(
        `SELECT conname, contype, pg_get_constraintdef(oid) AS definition
           FROM pg_constraint WHERE conrelid = $1::regclass ORDER BY conname`,
        [EVENTS_TABLE],
      );
    const byName = new Map(rows.map((row) => [row.conname, row]));

    expect(byName.get(AGGREGATE_VERSION_CONSTRAINT)?.contype).to.equal('u');
    expect(await constraintColumns(db.dataSource, AGGREGATE_VERSION_CONSTRAINT)).to.deep.equal([
      'aggregate_id',
      'version',
    ]);
    expect(byName.get('uq_events_position')?.contype).to.equal('u');
    expect(await constraintColumns(db.dataSource, 'uq_events_position')).to.deep.equal([
      'position',
    ]);
    expect(byName.get('ck_events_version_positive')?.contype).to.equal('c');
    expect(byName.get('ck_events_version_positive')?.definition).to.equal('CHECK ((version > 0))');
    expect(await constraintColumns(db.dataSource, 'events_pkey')).to.deep.equal(['id']);
    expect(byName.get(EVENT_COMMAND_KEY_CHECK)?.contype).to.equal('c');
  });

  it('keeps command keys past a stream’s first event unique per aggregate, all three columns or none', async () => {
    const byName = await indexesOf(db.dataSource);
    expect(byName.get(EVENT_COMMAND_KEY_INDEX)).to.match(
      /^CREATE UNIQUE INDEX .* USING btree \(aggregate_id, command_id\) WHERE \(\(command_id IS NOT NULL\) AND \(version > 1\)\)$/,
    );
    const insert = (version: number, key: string, fingerprint: string | null): Promise<unknown> =>
      db.dataSource.query(
        `INSERT INTO events (aggregate_id, aggregate_type, event_type, version, payload, metadata,
           command_id, command_fingerprint, command_last_version)
         VALUES ('00000000-0000-4000-8000-0000000000aa', 'A', 'E', $1, '{}', '{}', $2, $3, $1)`,
        [version, key, fingerprint],
      );
    const refusal = (promise: Promise<unknown>): Promise<{ code?: string; constraint?: string }> =>
      promise.then(
        () => expect.fail('the insert was accepted'),
        (error: { driverError?: { code?: string; constraint?: string } }) =>
          error.driverError ?? {},
      );
    await insert(2, 'cmd-1', 'f');
    expect(await refusal(insert(3, 'cmd-1', 'f'))).to.include({
      code: '23505',
      constraint: EVENT_COMMAND_KEY_INDEX,
    });
    expect(await refusal(insert(4, 'cmd-2', null))).to.include({
      code: '23514',
      constraint: EVENT_COMMAND_KEY_CHECK,
    });
  });

  it('has the ADR indexes, (aggregate_id, version) served once, by the unique constraint', async () => {
    const byName = await indexesOf(db.dataSource);
    // The ADR's (aggregate_id, version) index is the constraint's own (a unique btree).
    expect(byName.get(AGGREGATE_VERSION_CONSTRAINT)).to.match(
      /^CREATE UNIQUE INDEX .* USING btree \(aggregate_id, version\)$/,
    );
    const onStreamColumns = [...byName.values()].filter((def) =>
      /USING btree \(aggregate_id, version\)$/.test(def),
    );
    expect(onStreamColumns, 'indexes on (aggregate_id, version)').to.have.length(1);
    expect(byName.has('idx_events_aggregate')).to.equal(false);
    expect(byName.get('idx_events_type')).to.match(/USING btree \(event_type\)$/);
    expect(byName.get('idx_events_created_at')).to.match(/USING btree \(created_at\)$/);
  });

  it('rejects a non-positive version', async () => {
    const insert = db.dataSource.query(
      `INSERT INTO events (aggregate_id, aggregate_type, event_type, version, payload, metadata)
       VALUES (gen_random_uuid(), 'A', 'E', 0, '{}', '{}')`,
    );
    await insert.then(
      () => expect.fail('version 0 was accepted'),
      (error: { driverError?: { code?: string; constraint?: string } }) => {
        expect(error.driverError?.code).to.equal('23514');
        expect(error.driverError?.constraint).to.equal('ck_events_version_positive');
      },
    );
  });
});

describe('Tessera migrations reversibility', () => {
  it('undoes every migration back to an empty schema and reapplies them all', async function () {
    this.timeout(120_000);
    const { url } = await ensureTestServer();
    const scratch = await createScratchDatabase(url, 'tessera_revert');
    const dataSource = createTesseraDataSource({ url: scratch.url, poolSize: 2 });
    const names = TESSERA_MIGRATIONS.map((migration) => new migration().name);
    try {
      await dataSource.initialize();
      const applied = await dataSource.runMigrations();
      expect(applied.map((migration) => migration.name)).to.deep.equal(names);
      expect(await tableExists(dataSource)).to.equal(true);

      // Undoing everything from the index change on gives back the ADR's schema exactly,
      // duplicate index included.
      const fromIndexChange = names.length - names.indexOf('OneStreamIndex1732500005000');
      for (let i = 0; i < fromIndexChange; i++) await dataSource.undoLastMigration();
      expect((await indexesOf(dataSource)).get('idx_events_aggregate')).to.match(
        /USING btree \(aggregate_id, version\)$/,
      );
      for (let i = fromIndexChange; i < names.length; i++) await dataSource.undoLastMigration();
      expect(await tableExists(dataSource)).to.equal(false);
      expect(await userTables(dataSource)).to.deep.equal(['migrations']);

      const rerun = await dataSource.runMigrations();
      expect(rerun.map((migration) => migration.name)).to.deep.equal(names);
      expect(await tableExists(dataSource)).to.equal(true);
    } finally {
      if (dataSource.isInitialized) await dataSource.destroy();
      await scratch.drop();
    }
  });
});

/** The events table's indexes: name -> definition. */
async function indexesOf(dataSource: DataSource): Promise<Map<string, string>> {
  const rows: Array<{ indexname: string; indexdef: string }> = await dataSource.query(
    `SELECT indexname, indexdef FROM pg_indexes
      WHERE schemaname = current_schema() AND tablename = $1`,
    [EVENTS_TABLE],
  );
  return new Map(rows.map((row) => [row.indexname, row.indexdef]));
}

async function userTables(dataSource: DataSource): Promise<string[]> {
  const rows: { table_name: string }[] = await dataSource.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name`,
  );
  return rows.map((row) => row.table_name);
}
