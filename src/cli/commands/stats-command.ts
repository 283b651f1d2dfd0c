import type { DataSource } from 'typeorm';
import {
  COMMAND_KEYS_TABLE,
  EVENTS_ARCHIVE_TABLE,
  EVENTS_TABLE,
  PROJECTION_CHECKPOINTS_TABLE,
  SNAPSHOTS_TABLE,
  UNIQUE_VALUES_TABLE,
} from '../../migrations/schema-names';
import type { CliCommand } from '../cli-command';
import { EXIT_CODES } from '../exit-codes';

/** Events of one type, in the hot table and in the archive. */
interface TypeCount {
  eventType: string;
  hot: number;
  archived: number;
}

/** Stream lengths (events per aggregate, archived ones counted). */
interface StreamLengths {
  streams: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

/** Disk use of one table (its partitions summed) or index, in bytes. */
interface RelationSize {
  name: string;
  kind: 'table' | 'index';
  table: string;
  bytes: number;
}

const TABLES = [
  EVENTS_TABLE,
  EVENTS_ARCHIVE_TABLE,
  SNAPSHOTS_TABLE,
  COMMAND_KEYS_TABLE,
  UNIQUE_VALUES_TABLE,
  PROJECTION_CHECKPOINTS_TABLE,
];

// The last event of every stream stays in `events` (the archiver keeps it as the stream's
// head), so a stream's length is its highest version there.
const STREAM_LENGTHS = `
  SELECT count(*)::int AS streams,
         percentile_disc(0.5) WITHIN GROUP (ORDER BY n) AS p50,
         percentile_disc(0.9) WITHIN GROUP (ORDER BY n) AS p90,
         percentile_disc(0.99) WITHIN GROUP (ORDER BY n) AS p99,
         max(n) AS max
    FROM (SELECT max(version) AS n FROM "${EVENTS_TABLE}" GROUP BY aggregate_id) s`;

// A partitioned table or index has no storage of its own: its partitions' bytes are summed.
const SIZES = `
  WITH relations AS (
    SELECT c.oid, t.name AS "table", 'table' AS kind FROM unnest($1::text[]) AS t(name)
      JOIN pg_class c ON c.oid = to_regclass(t.name)
    UNION ALL
    SELECT i.indexrelid, t.name, 'index' FROM unnest($1::text[]) AS t(name)
      JOIN pg_index i ON i.indrelid = to_regclass(t.name)
  )
  SELECT r.oid::regclass::text AS name, r.kind, r."table",
         (CASE WHEN c.relkind IN ('p', 'I')
               THEN (SELECT COALESCE(sum(pg_relation_size(p.relid)), 0) FROM pg_partition_tree(r.oid) p)
               WHEN r.kind = 'table' THEN pg_table_size(r.oid)
               ELSE pg_relation_size(r.oid) END)::float8 AS bytes
    FROM relations r JOIN pg_class c ON c.oid = r.oid
   ORDER BY 3, 2 DESC, 1`;

/** `tessera stats`: events per type, stream length percentiles, table and index sizes. */
export const statsCommand: CliCommand = {
  name: 'stats',
  description: 'events per type, stream length percentiles, table and index sizes',
  async run({ output, dataSource }) {
    const db = await dataSource();
    const types = await typeCounts(db);
    const [lengths] = await db.query<StreamLengths[]>(STREAM_LENGTHS);
    const sizes = await db.query<RelationSize[]>(SIZES, [TABLES]);
    output.result({ eventTypes: types, streamLengths: lengths, sizes }, () => {
      output.line('Events per type');
      output.table(types, [
        { heading: 'EVENT TYPE', value: (t) => t.eventType },
        { heading: 'HOT', value: (t) => String(t.hot), right: true },
        { heading: 'ARCHIVED', value: (t) => String(t.archived), right: true },
      ]);
      output.line('');
      output.line(
        `Stream length: ${lengths.streams} streams, p50 ${n(lengths.p50)}, p90 ${n(lengths.p90)}, ` +
          `p99 ${n(lengths.p99)}, max ${n(lengths.max)}`,
      );
      output.line('');
      output.table(sizes, [
        { heading: 'RELATION', value: (s) => s.name },
        { heading: 'KIND', value: (s) => s.kind },
        { heading: 'BYTES', value: (s) => String(s.bytes), right: true },
      ]);
    });
    return EXIT_CODES.ok;
  },
};

async function typeCounts(db: DataSource): Promise<TypeCount[]> {
  const [{ archive }] = await db.query<{ archive: boolean }[]>(
    `SELECT to_regclass($1) IS NOT NULL AS archive`,
    [EVENTS_ARCHIVE_TABLE],
  );
  const archived = archive
    ? `UNION ALL SELECT event_type, 0, count(*) FROM "${EVENTS_ARCHIVE_TABLE}" GROUP BY 1`
    : '';
  return await db.query<TypeCount[]>(
    `SELECT event_type AS "eventType", sum(hot)::float8 AS hot, sum(archived)::float8 AS archived FROM (` +
      `SELECT event_type, count(*) AS hot, 0 AS archived FROM "${EVENTS_TABLE}" GROUP BY 1 ${archived}` +
      `) c GROUP BY 1 ORDER BY 2 DESC, 1`,
  );
}

function n(value: number | null): string {
  return value === null ? '-' : String(value);
}
