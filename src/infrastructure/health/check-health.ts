import { performance } from 'node:perf_hooks';
import type { DataSource } from 'typeorm';
import { EVENTS_TABLE } from '../../migrations/schema-names';
import { replicaLag } from '../replicas/replica-lag';
import { statusOf, worstStatus, type HealthCheck, type HealthReport } from './health-report';
import { DEFAULT_HEALTH_THRESHOLDS, type HealthThresholds } from './health-thresholds';

/** Options of {@link checkHealth}. */
export interface CheckHealthOptions {
  /** Limits that override {@link DEFAULT_HEALTH_THRESHOLDS}, measure by measure. */
  readonly thresholds?: Partial<HealthThresholds>;
  /** Replica data sources to measure the lag of, by a name of your choice. */
  readonly replicas?: Readonly<Record<string, DataSource>>;
  /** Schema of the events table; `public` when omitted. */
  readonly schema?: string;
}

interface SlotRow {
  slot_name: string;
  active: boolean;
  wal_status: string | null;
  retained_bytes: number | null;
  safe_wal_size: number | null;
}

interface OldestRow {
  pid: number | null;
  age: number | null;
  application_name: string | null;
  datname: string | null;
  state: string | null;
}

interface TableRow {
  total_bytes: number;
  table_bytes: number;
  index_bytes: number;
  rows: number;
  maintained_ago: number | null;
  written_since: number;
}

/**
 * One look at what an operator watches: connectivity, pending migrations, each replication
 * slot's retained WAL and state, each replica's lag, the oldest transaction (which holds back
 * the ordered feed), the last maintenance of `events`, and its sizes. Each check has a status
 * against the thresholds; the report's status is the worst of them. A check that cannot be read
 * (a permission missing) is `warn` with the server's message.
 *
 * @example
 * ```ts
 * const report = await checkHealth(dataSource, { replicas: { replica1: replicaDataSource } });
 * if (report.status !== 'ok') console.warn(report.checks.filter((c) => c.status !== 'ok'));
 * ```
 */
export async function checkHealth(
  dataSource: DataSource,
  options: CheckHealthOptions = {},
): Promise<HealthReport> {
  const limits: HealthThresholds = { ...DEFAULT_HEALTH_THRESHOLDS, ...options.thresholds };
  const checkedAt = new Date();
  const connected = await connectivity(dataSource);
  const checks: HealthCheck[] = [connected];
  if (connected.status === 'ok') {
    const schema = options.schema ?? 'public';
    checks.push(await guarded('migrations', () => migrations(dataSource)));
    checks.push(...(await guardedMany('replication-slots', () => slots(dataSource, limits))));
    for (const [name, replica] of Object.entries(options.replicas ?? {})) {
      checks.push(
        await guarded(`replica:${name}`, () => replicaCheck(name, dataSource, replica, limits)),
      );
    }
    checks.push(await guarded('oldest-transaction', () => oldestTransaction(dataSource, limits)));
    checks.push(
      ...(await guardedMany('events-table', () => eventsTable(dataSource, schema, limits))),
    );
  }
  return { status: worstStatus(checks.map((c) => c.status)), checkedAt, checks };
}

async function connectivity(dataSource: DataSource): Promise<HealthCheck> {
  const started = performance.now();
  try {
    await dataSource.query('SELECT 1');
    const ms = Math.round((performance.now() - started) * 10) / 10;
    return { name: 'connectivity', status: 'ok', summary: `answers in ${ms} ms`, facts: { ms } };
  } catch (error) {
    return {
      name: 'connectivity',
      status: 'critical',
      summary: `cannot query the database: ${messageOf(error)}`,
      facts: { error: messageOf(error) },
    };
  }
}

async function migrations(dataSource: DataSource): Promise<HealthCheck> {
  const table = dataSource.options.migrationsTableName ?? 'migrations';
  const known = dataSource.migrations.map((m) => m.name ?? m.constructor.name);
  const [{ exists }] = await dataSource.query<{ exists: boolean }[]>(
    'SELECT to_regclass($1) IS NOT NULL AS exists',
    [table],
  );
  const applied = exists
    ? new Set(
        (await dataSource.query<{ name: string }[]>(`SELECT name FROM "${table}"`)).map(
          (r) => r.name,
        ),
      )
    : new Set<string>();
  const pending = known.filter((name) => !applied.has(name));
  return {
    name: 'migrations',
    status: pending.length > 0 ? 'critical' : 'ok',
    summary:
      pending.length > 0
        ? `${pending.length} pending: ${pending.join(', ')} (run dataSource.runMigrations())`
        : `all ${known.length} applied`,
    facts: { pending: pending.length, applied: applied.size },
  };
}

async function slots(dataSource: DataSource, limits: HealthThresholds): Promise<HealthCheck[]> {
  const rows = await dataSource.query<SlotRow[]>(
    `SELECT slot_name, active, wal_status,
            pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()
                                 ELSE pg_current_wal_insert_lsn() END, restart_lsn)::float8 AS retained_bytes,
            safe_wal_size::float8 AS safe_wal_size
       FROM pg_replication_slots WHERE database IS NULL OR database = current_database()
      ORDER BY slot_name`,
  );
  return rows.map((row) => {
    const retained = row.retained_bytes ?? 0;
    const lost = row.wal_status === 'lost';
    const status = lost
      ? 'critical'
      : worstStatus([
          statusOf(retained, limits.slotRetainedWalBytes),
          row.wal_status === 'unreserved' ? 'critical' : 'ok',
          row.active ? 'ok' : 'warn',
        ]);
    const summary = lost
      ? 'invalidated by PostgreSQL (wal_status lost): recreate it and catch up from the table'
      : `${row.active ? 'active' : 'no consumer connected'}, retains ${mib(retained)} of WAL (${row.wal_status ?? 'unknown'})`;
    return {
      name: `replication-slot:${row.slot_name}`,
      status,
      summary,
      facts: {
        active: row.active,
        walStatus: row.wal_status,
        retainedBytes: retained,
        safeWalBytes: row.safe_wal_size,
      },
    };
  });
}

async function replicaCheck(
  name: string,
  primary: DataSource,
  replica: DataSource,
  limits: HealthThresholds,
): Promise<HealthCheck> {
  const lag = await replicaLag(primary, replica);
  const status = worstStatus([
    statusOf(lag.bytes, limits.replicaLagBytes),
    statusOf(lag.seconds, limits.replicaLagSeconds),
  ]);
  return {
    name: `replica:${name}`,
    status,
    summary: `${mib(lag.bytes)} and ${lag.seconds.toFixed(1)} s behind the primary`,
    facts: { lagBytes: lag.bytes, lagSeconds: lag.seconds, replayLsn: lag.replayLsn },
  };
}

/**
 * Transactions holding an id, in any database of the server: the ordered feed reads only below
 * the oldest of them (prepared transactions count too).
 */
async function oldestTransaction(
  dataSource: DataSource,
  limits: HealthThresholds,
): Promise<HealthCheck> {
  const [row] = await dataSource.query<OldestRow[]>(
    `SELECT pid, age, application_name, datname, state FROM (
       SELECT pid, EXTRACT(EPOCH FROM clock_timestamp() - xact_start)::float8 AS age,
              application_name, datname, state
         FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()
       UNION ALL
       SELECT NULL, EXTRACT(EPOCH FROM clock_timestamp() - prepared)::float8, gid, database, 'prepared'
         FROM pg_prepared_xacts
     ) AS open ORDER BY age DESC LIMIT 1`,
  );
  const age = row?.age ?? 0;
  return {
    name: 'oldest-transaction',
    status: statusOf(age, limits.oldestTransactionSeconds),
    summary: row
      ? `${age.toFixed(1)} s old (${row.state ?? 'unknown'}, pid ${row.pid ?? '-'}, ${row.application_name || 'no application name'}, database ${row.datname ?? '-'}); the ordered feed waits for it`
      : 'no transaction holds an id',
    facts: {
      ageSeconds: age,
      pid: row?.pid ?? null,
      applicationName: row?.application_name ?? null,
      database: row?.datname ?? null,
      state: row?.state ?? null,
    },
  };
}

async function eventsTable(
  dataSource: DataSource,
  schema: string,
  limits: HealthThresholds,
): Promise<HealthCheck[]> {
  const [row] = await dataSource.query<TableRow[]>(
    `SELECT pg_total_relation_size(c.oid)::float8 AS total_bytes,
            pg_relation_size(c.oid)::float8 AS table_bytes,
            pg_indexes_size(c.oid)::float8 AS index_bytes,
            COALESCE(s.n_live_tup, 0)::float8 AS rows,
            EXTRACT(EPOCH FROM clock_timestamp() - GREATEST(s.last_vacuum, s.last_autovacuum,
              s.last_analyze, s.last_autoanalyze))::float8 AS maintained_ago,
            COALESCE(s.n_ins_since_vacuum + s.n_mod_since_analyze, 0)::float8 AS written_since
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
      WHERE c.relname = $1 AND n.nspname = $2`,
    [EVENTS_TABLE, schema],
  );
  if (!row) {
    return [
      {
        name: 'events-table',
        status: 'critical',
        summary: `no table ${schema}.${EVENTS_TABLE}`,
        facts: {},
      },
    ];
  }
  // Never maintained counts as maintained long ago, once there is something to maintain.
  const ago = row.maintained_ago ?? Number.POSITIVE_INFINITY;
  const maintenance = row.written_since === 0 ? 'ok' : statusOf(ago, limits.maintenanceAgeSeconds);
  return [
    {
      name: 'events-maintenance',
      status: maintenance,
      summary:
        row.maintained_ago === null
          ? `never vacuumed or analyzed; ${row.written_since} rows written since`
          : `last vacuum or analyze ${Math.round(ago)} s ago; ${row.written_since} rows written since`,
      facts: {
        lastMaintenanceSecondsAgo: row.maintained_ago,
        rowsWrittenSince: row.written_since,
      },
    },
    {
      name: 'events-size',
      status: 'ok',
      summary: `${mib(row.total_bytes)} in all: table ${mib(row.table_bytes)}, indexes ${mib(row.index_bytes)}, ~${row.rows} rows`,
      facts: {
        totalBytes: row.total_bytes,
        tableBytes: row.table_bytes,
        indexBytes: row.index_bytes,
        estimatedRows: row.rows,
      },
    },
  ];
}

/** A check whose query failed: `warn`, with the server's message (often a missing grant). */
async function guarded(name: string, check: () => Promise<HealthCheck>): Promise<HealthCheck> {
  try {
    return await check();
  } catch (error) {
    return unreadable(name, error);
  }
}

async function guardedMany(
  name: string,
  checks: () => Promise<HealthCheck[]>,
): Promise<HealthCheck[]> {
  try {
    return await checks();
  } catch (error) {
    return [unreadable(name, error)];
  }
}

function unreadable(name: string, error: unknown): HealthCheck {
  return {
    name,
    status: 'warn',
    summary: `could not be checked: ${messageOf(error)}`,
    facts: { error: messageOf(error) },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
