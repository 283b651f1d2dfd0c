import type { Driver } from '../driver';
import type { WorkloadParams } from '../job';
import type { Measure } from '../measure';

/** What a workload reports: the operations it timed and how long they took. */
export interface WorkloadResult {
  readonly operations: number;
  readonly seconds: number;
  readonly notes?: Readonly<Record<string, number | string>>;
}

/** A scenario's body: untimed set-up and warm-up, then one measured loop. */
export type Workload = (
  driver: Driver<unknown>,
  params: WorkloadParams,
  measure: Measure,
) => Promise<WorkloadResult>;

/** Reads a parameter the workload cannot run without. */
export function required(params: WorkloadParams, name: keyof WorkloadParams): number {
  const value = params[name];
  if (value === undefined) throw new Error(`workload parameter "${name}" is missing`);
  return value;
}

/**
 * An untimed run before the measured loop, the same for every contender: JIT, pool connections,
 * plan caches. A quarter of the measured count: with a twentieth, a contender with more
 * JavaScript on its path (tessera's validation and serialization) was still being optimized by V8
 * during the first timed operations, which measured warm-up rather than steady state.
 */
export function warmUpCount(operations: number): number {
  return Math.max(20, Math.ceil(operations / 4));
}
