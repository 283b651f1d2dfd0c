/**
 * Sizes of the reliability tests. The normal suite runs the bounded sizes; `npm run torture`
 * sets TESSERA_TORTURE=1 for the long ones. Any single size can be overridden through its own
 * variable (e.g. TESSERA_FUZZ_RUNS=50000).
 */
export const TORTURE = process.env.TESSERA_TORTURE === '1';

function size(variable: string, normal: number, torture: number): number {
  const raw = process.env[variable];
  if (raw === undefined || raw === '') return TORTURE ? torture : normal;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new TypeError(`${variable} must be a positive integer, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** The sizes in effect for this run. */
export const reliability = {
  /** Concurrent writers racing over the aggregates. */
  writers: size('TESSERA_RACE_WRITERS', 64, 64),
  aggregates: size('TESSERA_RACE_AGGREGATES', 100, 100),
  /** Commands each racing writer issues. */
  commandsPerWriter: size('TESSERA_RACE_COMMANDS', 25, 400),
  /** Times PostgreSQL is killed under the appending child process. */
  crashes: size('TESSERA_CRASHES', 3, 25),
  /** Events in each save of the crash test. */
  crashBatchEvents: size('TESSERA_CRASH_BATCH', 500, 500),
  /** Restarts of each kind (idle/writing, fast/immediate) in the restart test. */
  restartsPerKind: size('TESSERA_RESTARTS', 1, 10),
  /** fast-check runs of the model-based fuzz. */
  fuzzRuns: size('TESSERA_FUZZ_RUNS', 1000, 10_000),
};

/** Test timeout scaled to the sizes: torture runs get a much longer leash. */
export function budgetMs(normalMs: number): number {
  return TORTURE ? normalMs * 40 : normalMs;
}
