import type { ConfigurationId } from './configurations';
import type { ContenderName, DriverName, WorkloadName, WorkloadParams } from './job';
import type { Ceiling } from './pgbench-ceiling';

/** One row of the results: a workload with its sizes, run by some contenders. */
export interface Scenario {
  /** Stable id, as in issue 4: S1..S6, with a suffix for sizes and variants. */
  readonly id: string;
  readonly title: string;
  readonly workload: WorkloadName;
  readonly params: WorkloadParams;
  readonly contenders: readonly ContenderName[];
  /** What one operation is, for the table header. */
  readonly unit: string;
  /** Flags for the child's Node.js (none by default). */
  readonly nodeFlags?: readonly string[];
  /** What pgbench runs as this scenario's ceiling (its contenders then include `pgbench`). */
  readonly ceiling?: Ceiling;
  /**
   * Timed operations of a contender that runs fewer than `params.operations` (emmett, whose
   * appends take three round trips: at the full count its rounds alone took most of a run).
   * Its rate is still operations per second of the same operation, warmed up the same way.
   */
  readonly operationsFor?: Partial<Record<DriverName, number>>;
}

/** The contenders of every main scenario, in the order of a round (rotated round by round). */
export const MAIN_CONTENDERS: readonly ContenderName[] = [
  'tessera',
  'raw-prepared',
  'raw',
  'emmett',
];
/** In --quick: the targets' numerator and denominator only (the ceiling joins them on appends). */
const QUICK_CONTENDERS: readonly ContenderName[] = ['tessera', 'raw-prepared'];
const TESSERA: readonly ContenderName[] = ['tessera'];
/** Seconds pgbench is timed for, per round (after an untimed warm-up). */
const PGBENCH_SECONDS = { full: 5, quick: 1 };

/**
 * The scenarios of one configuration (issues 4 and 14). Both configurations run S1–S6 with every
 * main contender and, on the append scenarios, pgbench's ceiling. The durable one adds the
 * duplicate-index variant (full runs); the CPU one runs the tessera-only loads (snapshots, the
 * million-event load), whose numbers do not depend on commits reaching the disk.
 *
 * `quick` runs tessera, raw-prepared and pgbench only, scales the counts down (all but S5, short
 * anyway) and leaves out the 10,000-event load, the 100,000-event snapshot load, the
 * million-event load and the duplicate-index variant, to finish both configurations in under
 * three minutes. Its counts still time tessera and raw-prepared for a quarter to half a second
 * per round: at a tenth of that (600 appends in S1) the timed loop was mostly V8 still
 * optimizing, and the ratios said more about warm-up than about either contender. Quick ratios
 * are noisier than a full run's; the targets are read on full runs.
 */
export function buildScenarios(quick: boolean, configuration: ConfigurationId): Scenario[] {
  // Full runs time each contender for one to three seconds per round (tessera and raw), long
  // enough that a passing burst of other work on this shared machine moves a round's ratio less
  // than it did at half a second.
  const size = (full: number, short: number): number => (quick ? short : full);
  const main = quick ? QUICK_CONTENDERS : MAIN_CONTENDERS;
  const seconds = quick ? PGBENCH_SECONDS.quick : PGBENCH_SECONDS.full;
  const appends = (
    ceiling: Omit<Ceiling, 'seconds'>,
    { adrIndex = true, keyed = false }: { adrIndex?: boolean; keyed?: boolean } = {},
  ): Pick<Scenario, 'contenders' | 'ceiling'> => ({
    contenders: [
      ...main,
      ...(adrIndex && !quick && configuration === 'durable'
        ? (['tessera-adr-index'] as const)
        : []),
      // Issue 15: what a command id adds to an append, in both configurations.
      ...(keyed && !quick ? (['tessera-keyed'] as const) : []),
      'pgbench',
    ],
    ceiling: { ...ceiling, seconds },
  });
  const scenarios: Scenario[] = [
    {
      id: 'S1',
      title: 'one event per append, sequential, new aggregates',
      workload: 'append-new',
      params: { operations: size(12000, 3000), events: 1 },
      operationsFor: { emmett: 4000 },
      unit: 'appends/s',
      ...appends({ script: 'one-event', clients: 1 }, { keyed: true }),
    },
    {
      id: 'S2',
      title: 'ten events per append, sequential, new aggregates',
      workload: 'append-new',
      params: { operations: size(5000, 1000), events: 10 },
      operationsFor: { emmett: 2000 },
      unit: 'appends/s',
      ...appends({ script: 'ten-events-one-stream', clients: 1 }),
    },
    {
      id: 'S3',
      title: '32 concurrent appenders, pool of 10, one event per append',
      workload: 'append-concurrent',
      params: { operations: size(25000, 4000), concurrency: 32 },
      operationsFor: { emmett: 10000 },
      unit: 'appends/s',
      ...appends({ script: 'one-event', clients: 8 }, { keyed: true }),
    },
    {
      id: 'S4-1k',
      title: 'load of a 1,000-event aggregate',
      workload: 'load',
      params: { operations: size(600, 250), events: 1000 },
      contenders: main,
      unit: 'loads/s',
    },
  ];
  if (!quick) {
    scenarios.push({
      id: 'S4-10k',
      title: 'load of a 10,000-event aggregate',
      workload: 'load',
      params: { operations: 80, events: 10000 },
      contenders: main,
      unit: 'loads/s',
    });
  }
  scenarios.push(
    {
      id: 'S5',
      title: '16 writers racing on one aggregate until 500 events',
      workload: 'race',
      // The same race in quick runs: shorter ones (200 events) were over before V8 had
      // optimized the retry path, and measured that.
      params: { concurrency: 16, until: 500 },
      contenders: main,
      unit: 'events/s',
    },
    {
      id: 'S6',
      title: 'saveAll of 10 new aggregates',
      workload: 'save-all',
      params: { operations: size(3000, 1000), aggregates: 10 },
      // emmett's saveAll is ten appends of three round trips each.
      operationsFor: { emmett: 600 },
      unit: 'saveAlls/s',
      // The duplicate-index variant measures appends of single streams only.
      ...appends({ script: 'ten-streams', clients: 1 }, { adrIndex: false }),
    },
  );
  if (configuration !== 'cpu') return scenarios;
  const snapshotSizes = quick ? [1000, 10000] : [1000, 10000, 100000];
  for (const events of snapshotSizes) {
    scenarios.push({
      id: `S4-snap-${events / 1000}k`,
      title: `load of a ${events.toLocaleString('en-US')}+50-event aggregate, snapshot every 100`,
      workload: 'load-snapshot',
      params: { operations: size(6000, 600), events },
      contenders: TESSERA,
      unit: 'loads/s',
    });
  }
  if (!quick) {
    // The same load a tenth as long: equal peaks show memory does not grow with the stream.
    scenarios.push({
      id: 'S7-100k',
      title: 'load of a 100,000-event aggregate (streaming replay), peak RSS',
      workload: 'load-million',
      params: { events: 100_000 },
      contenders: TESSERA,
      unit: 'loads/s',
    });
    scenarios.push({
      id: 'S7-1M',
      title: 'load of a 1,000,000-event aggregate (streaming replay), peak RSS',
      workload: 'load-million',
      params: { events: 1_000_000 },
      contenders: TESSERA,
      unit: 'loads/s',
    });
    // Node's default lets V8's young generation grow to two 16 MB semi-spaces; a worker that
    // must stay small can cap it. Same load, only that flag differs (no target: S7-1M is the one
    // measured with defaults, and no longer needs it).
    scenarios.push({
      id: 'S7-1M-semi4',
      title: 'S7-1M with node --max-semi-space-size=4',
      workload: 'load-million',
      params: { events: 1_000_000 },
      contenders: TESSERA,
      unit: 'loads/s',
      nodeFlags: ['--max-semi-space-size=4'],
    });
  }
  return scenarios;
}
