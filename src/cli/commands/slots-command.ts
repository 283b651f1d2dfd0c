import type { CliCommand } from '../cli-command';
import { EXIT_CODES } from '../exit-codes';

/** A replication slot as `tessera slots` shows it. */
interface SlotRow {
  slotName: string;
  plugin: string | null;
  slotType: string;
  database: string | null;
  active: boolean;
  confirmedFlushLsn: string | null;
  lagBytes: number;
  retainedBytes: number;
  walStatus: string | null;
}

const SELECT_SLOTS = `
  SELECT slot_name AS "slotName", plugin, slot_type AS "slotType", database, active,
         confirmed_flush_lsn::text AS "confirmedFlushLsn",
         COALESCE(pg_wal_lsn_diff(pg_current_wal_insert_lsn(), confirmed_flush_lsn), 0)::float8 AS "lagBytes",
         COALESCE(pg_wal_lsn_diff(pg_current_wal_insert_lsn(), restart_lsn), 0)::float8 AS "retainedBytes",
         wal_status AS "walStatus"
    FROM pg_replication_slots ORDER BY slot_name`;

/** `tessera slots`: every replication slot of the server, its lag and the WAL it retains. */
export const slotsCommand: CliCommand = {
  name: 'slots',
  description: 'list the replication slots: active, lag and retained WAL in bytes, WAL status',
  async run({ output, dataSource }) {
    const db = await dataSource();
    const slots = await db.query<SlotRow[]>(SELECT_SLOTS);
    output.result({ slots }, () => {
      if (slots.length === 0) return output.line('no replication slots');
      output.table(slots, [
        { heading: 'SLOT', value: (s) => s.slotName },
        { heading: 'PLUGIN', value: (s) => s.plugin ?? s.slotType },
        { heading: 'DATABASE', value: (s) => s.database ?? '' },
        { heading: 'ACTIVE', value: (s) => (s.active ? 'yes' : 'no') },
        { heading: 'LAG BYTES', value: (s) => String(s.lagBytes), right: true },
        { heading: 'RETAINED BYTES', value: (s) => String(s.retainedBytes), right: true },
        { heading: 'WAL STATUS', value: (s) => s.walStatus ?? '' },
      ]);
    });
    return EXIT_CODES.ok;
  },
};
