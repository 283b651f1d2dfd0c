import type { ConfigurationId } from './configurations';
import type { ContenderName } from './job';
import type { ResultSet } from './result-set';

/** A target of issues 4 and 14, checked against one configuration's medians. */
export interface Target {
  /** The scenario row the target is shown on. */
  readonly scenario: string;
  readonly text: string;
  /** The configuration whose medians decide it: durable, unless it only runs on the CPU one. */
  readonly readOn: ConfigurationId;
  /** Undefined when the run did not measure what the target needs (e.g. in --quick). */
  check(results: ResultSet): { readonly met: boolean; readonly measured: string } | undefined;
}

const MAX_RSS_MB = 100;
/** "Flat": the largest snapshot load takes at most this many times the 1k one. */
const FLAT_FACTOR = 1.25;

function atLeast(scenario: string, against: ContenderName, factor: number): Target {
  return {
    scenario,
    readOn: 'durable',
    text: `≥ ${factor.toFixed(2)}× ${against}`,
    check: (results) => {
      const ratio = results.ratio(scenario, 'tessera', against);
      if (ratio === undefined) return undefined;
      return { met: ratio >= factor, measured: `${ratio.toFixed(2)}× ${against}` };
    },
  };
}

/**
 * Every target, in table order (issue 14: raw-prepared is the denominator; read on the durable
 * configuration). The snapshot target sits on the largest snapshot scenario that ran.
 */
export function buildTargets(scenarioIds: readonly string[]): Target[] {
  const snapshotIds = scenarioIds.filter((id) => id.startsWith('S4-snap-'));
  const largestSnapshot = snapshotIds[snapshotIds.length - 1] ?? 'S4-snap';
  return [
    atLeast('S1', 'raw-prepared', 0.95),
    atLeast('S1', 'emmett', 1.4),
    atLeast('S2', 'raw-prepared', 0.95),
    atLeast('S2', 'emmett', 1.4),
    atLeast('S3', 'raw-prepared', 0.95),
    atLeast('S3', 'emmett', 1.4),
    atLeast('S4-1k', 'raw-prepared', 0.8),
    atLeast('S4-1k', 'emmett', 1.4),
    atLeast('S4-10k', 'raw-prepared', 0.8),
    atLeast('S4-10k', 'emmett', 1.4),
    {
      scenario: 'S5',
      readOn: 'durable',
      text: 'versions 1..N, no gap or duplicate',
      check: (results) => {
        const run = results.get('S5', 'tessera');
        // A round whose check fails is recorded as a failure, not as a result.
        const failed = results.failures('S5', 'tessera').length;
        if (!run && failed === 0) return undefined;
        return {
          met: failed === 0,
          measured: `${run?.rounds.length ?? 0} rounds verified, ${failed} failed`,
        };
      },
    },
    {
      scenario: 'S5',
      readOn: 'durable',
      text: 'time ≤ 1.30× raw-prepared',
      check: (results) => {
        const ratio = results.ratio('S5', 'raw-prepared', 'tessera');
        if (ratio === undefined) return undefined;
        return { met: ratio <= 1.3, measured: `time ${ratio.toFixed(2)}× raw-prepared` };
      },
    },
    atLeast('S5', 'emmett', 1.4),
    atLeast('S6', 'raw-prepared', 0.95),
    atLeast('S6', 'emmett', 1.4),
    {
      scenario: largestSnapshot,
      readOn: 'cpu',
      text: `flat: largest load ≤ ${FLAT_FACTOR}× the 1k load's time`,
      check: (results) => {
        const small = results.get('S4-snap-1k', 'tessera');
        const large = results.get(largestSnapshot, 'tessera');
        if (!small || !large || largestSnapshot === 'S4-snap-1k') return undefined;
        const factor = small.opsPerSec / large.opsPerSec;
        return { met: factor <= FLAT_FACTOR, measured: `${factor.toFixed(2)}× the 1k time` };
      },
    },
    {
      scenario: 'S7-1M',
      readOn: 'cpu',
      text: `peak RSS < ${MAX_RSS_MB} MB`,
      check: (results) => {
        const run = results.get('S7-1M', 'tessera');
        if (!run) return undefined;
        return { met: run.peakRssMb < MAX_RSS_MB, measured: `${run.peakRssMb.toFixed(0)} MB` };
      },
    },
  ];
}
