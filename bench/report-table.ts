import type { ContenderName } from './job';
import type { ResultSet } from './result-set';
import type { Scenario } from './scenarios';
import type { Target } from './targets';

const MAIN: readonly ContenderName[] = ['tessera', 'raw', 'emmett'];

/** Formats an operations-per-second figure with sensible precision. */
export function formatOps(value: number | undefined): string {
  if (value === undefined) return '—';
  if (value >= 100) return Math.round(value).toLocaleString('en-US');
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function formatRatio(value: number | undefined): string {
  return value === undefined ? '—' : `${value.toFixed(2)}×`;
}

/**
 * The main markdown table: one row per scenario, the three contenders' median ops/s, tessera's
 * ratios, and the issue's targets with what was measured against each.
 */
export function renderMainTable(
  scenarios: readonly Scenario[],
  results: ResultSet,
  targets: readonly Target[],
): string {
  const lines = [
    '| Scenario | Unit | tessera | raw | emmett | tessera/raw | tessera/emmett | Target | Met? |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |',
  ];
  for (const scenario of scenarios) {
    const ops = MAIN.map((c) => formatOps(results.get(scenario.id, c)?.opsPerSec));
    const checks = targets
      .filter((t) => t.scenario === scenario.id)
      .map((t) => ({ text: t.text, outcome: t.check(results) }));
    const targetText = checks.map((c) => c.text).join('; ') || '—';
    const metText =
      checks
        .map((c) =>
          c.outcome === undefined
            ? 'not measured'
            : `${c.outcome.met ? 'yes' : '**NO**'} (${c.outcome.measured})`,
        )
        .join('; ') || '—';
    lines.push(
      `| ${scenario.id}: ${scenario.title} | ${scenario.unit} | ${ops.join(' | ')} | ` +
        `${formatRatio(results.ratio(scenario.id, 'tessera', 'raw'))} | ` +
        `${formatRatio(results.ratio(scenario.id, 'tessera', 'emmett'))} | ${targetText} | ${metText} |`,
    );
  }
  return lines.join('\n');
}

/** The cost of the ADR's duplicate index: tessera without and with idx_events_aggregate. */
export function renderDuplicateIndexTable(
  scenarios: readonly Scenario[],
  results: ResultSet,
): string | undefined {
  const rows = scenarios.filter((s) => results.get(s.id, 'tessera-adr-index'));
  if (rows.length === 0) return undefined;
  const lines = [
    "| Scenario | tessera (one index) | tessera with the ADR's idx_events_aggregate | Cost of the second index |",
    '| --- | ---: | ---: | ---: |',
  ];
  for (const s of rows) {
    // Throughput lost with the second index, in percent of the one-index throughput.
    const ratio = results.ratio(s.id, 'tessera-adr-index', 'tessera');
    const change = ratio === undefined ? '—' : `${((1 - ratio) * 100).toFixed(1)}%`;
    lines.push(
      `| ${s.id} (${s.unit}) | ${formatOps(results.get(s.id, 'tessera')?.opsPerSec)} | ` +
        `${formatOps(results.get(s.id, 'tessera-adr-index')?.opsPerSec)} | ${change} |`,
    );
  }
  return lines.join('\n');
}

/** Per-load times of the snapshot scenarios and of the million-event load, with peak RSS. */
export function renderLoadTable(scenarios: readonly Scenario[], results: ResultSet): string {
  const lines = [
    '| Scenario | ms per load (median) | Peak RSS of the child (median) | Notes |',
    '| --- | ---: | ---: | --- |',
  ];
  for (const s of scenarios) {
    if (s.workload !== 'load-snapshot' && s.workload !== 'load-million') continue;
    const run = results.get(s.id, 'tessera');
    if (!run) continue;
    const notes = Object.entries(run.rounds[run.rounds.length - 1].notes ?? {})
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    lines.push(
      `| ${s.id}: ${s.title} | ${(1000 / run.opsPerSec).toFixed(1)} | ` +
        `${run.peakRssMb.toFixed(0)} MB | ${notes || '—'} |`,
    );
  }
  return lines.join('\n');
}

/**
 * tessera/raw and tessera/emmett per round, pairing each round's adjacent children: how much
 * of a ratio is the machine's noise. A target met in the medians but not in most rounds is not
 * met with any margin.
 */
export function renderSpreadTable(scenarios: readonly Scenario[], results: ResultSet): string {
  const lines = [
    '| Scenario | tessera/raw per round | tessera/emmett per round |',
    '| --- | --- | --- |',
  ];
  const perRound = (id: string, against: ContenderName): string => {
    const mine = results.get(id, 'tessera')?.rounds;
    const theirs = results.get(id, against)?.rounds;
    if (!mine || !theirs) return '—';
    const ops = (r: { operations: number; seconds: number }): number => r.operations / r.seconds;
    return mine
      .slice(0, theirs.length)
      .map((r, i) => ops(r) / ops(theirs[i]))
      .map((ratio) => ratio.toFixed(2))
      .join(' / ');
  };
  for (const s of scenarios) {
    if (!s.contenders.includes('raw')) continue;
    lines.push(`| ${s.id} | ${perRound(s.id, 'raw')} | ${perRound(s.id, 'emmett')} |`);
  }
  return lines.join('\n');
}
