/** What the orchestrator (bench/run.ts) and a benchmark child (bench/child.ts) exchange. */

/**
 * The contenders that run as a Node child through a `Driver` (bench/driver.ts): tessera, the two raw `pg`
 * baselines and emmett, plus tessera on a schema with the ADR's duplicate (aggregate_id, version)
 * index created again.
 */
export type DriverName =
  'tessera' | 'raw-prepared' | 'raw' | 'emmett' | 'tessera-adr-index' | 'tessera-keyed';

/** Every contender of a scenario: the drivers, and pgbench (the server's ceiling, no Node). */
export type ContenderName = DriverName | 'pgbench';

/** Which timed workload a child runs; each is defined in bench/workloads. */
export type WorkloadName =
  | 'append-new'
  | 'append-concurrent'
  | 'load'
  | 'race'
  | 'save-all'
  | 'load-snapshot'
  | 'load-million';

/** Sizes of one workload; only the fields a workload reads are set. */
export interface WorkloadParams {
  /** Timed operations (appends, loads, saveAll calls). */
  readonly operations?: number;
  /** Events per append (append-new), or in the stream being loaded (load*). */
  readonly events?: number;
  /** Concurrent workers (append-concurrent, race). */
  readonly concurrency?: number;
  /** Aggregates per saveAll (save-all). */
  readonly aggregates?: number;
  /** Version the racers stop at (race). */
  readonly until?: number;
}

/** One child's assignment. */
export interface Job {
  readonly scenario: string;
  readonly contender: DriverName;
  readonly workload: WorkloadName;
  readonly params: WorkloadParams;
  /** The child's own scratch database, created empty by the orchestrator. */
  readonly databaseUrl: string;
  /** Connections in the contender's pool. */
  readonly poolSize: number;
  /** The server's postmaster, whose processes' CPU is read around the timed loop (embedded). */
  readonly postmasterPid?: number;
  /** When set, the timed loop is CPU-profiled and the profile written to this path. */
  readonly profilePath?: string;
  /** Flags for the child's Node.js. */
  readonly nodeFlags?: readonly string[];
}

/** What a child reports when its timed loop is done. */
export interface ChildResult {
  /** Operations counted by the workload (appends, loads, or appended events for a race). */
  readonly operations: number;
  readonly seconds: number;
  /** Peak resident set size of the whole child process, in KiB. */
  readonly maxRssKb: number;
  /** CPU seconds of the timed loop: the contender's process, and the server when readable. */
  readonly cpu?: { readonly client?: number; readonly server?: number };
  /** Facts worth printing (e.g. conflicts retried), by name. */
  readonly notes?: Readonly<Record<string, number | string>>;
}
