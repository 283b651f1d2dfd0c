import type { ConfigurationId } from './configurations';
import type { ContenderName } from './job';
import { median } from './median';
import type { ResultSet } from './result-set';
import type { Scenario } from './scenarios';
import type { Target } from './targets';

/** The contenders of the main table, in column order. */
const MAIN: readonly ContenderName[] = ['tessera', 'raw-prepared', 'raw', 'emmett'];

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
 * One configuration's main table: a row per scenario, the contenders' median ops/s, tessera's
 * ratios to each, and the targets read on this configuration with what was measured against
 * each (targets read on the other configuration are named, not judged).
 */
export function renderMainTable(
  scenarios: readonly Scenario[],
  results: ResultSet,
  targets: readonly Target[],
  configuration: ConfigurationId,
): string {
  const lines = [
    '| Scenario | Unit | tessera | raw-prepared | raw | emmett | tessera/raw-prepared | tessera/raw | tessera/emmett | Target | Met? |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
  ];
  for (const scenario of scenarios) {
    const ops = MAIN.map((c) => formatOps(results.get(scenario.id, c)?.opsPerSec));
    const mine = targets.filter((t) => t.scenario === scenario.id);
    const here = mine.filter((t) => t.readOn === configuration);
    const checks = here.map((t) => ({ text: t.text, outcome: t.check(results) }));
    const elsewhere = mine.length > 0 && here.length === 0;
    const targetText = elsewhere
      ? `read on ${mine[0].readOn}`
      : checks.map((c) => c.text).join('; ') || '—';
    const metText =
      checks
        .map((c) =>
          c.outcome === undefined
            ? 'not measured'
            : `${c.outcome.met ? 'yes' : '**NO**'} (${c.outcome.measured})`,
        )
        .join('; ') || '—';
    const ratio = (against: ContenderName): string =>
      formatRatio(results.ratio(scenario.id, 'tessera', against));
    lines.push(
      `| ${scenario.id}: ${scenario.title} | ${scenario.unit} | ${ops.join(' | ')} | ` +
        `${ratio('raw-prepared')} | ${ratio('raw')} | ${ratio('emmett')} | ${targetText} | ${metText} |`,
    );
  }
  return lines.join('\n');
}

/**
 * The physical ceiling: pgbench's prepared INSERT of the same rows into the same table, and each
 * contender's median as a fraction of pgbench's median. Undefined when no scenario had one.
 */
export function renderCeilingTable(
  scenarios: readonly Scenario[],
  results: ResultSet,
): string | undefined {
  const rows = scenarios.filter((s) => s.ceiling && results.get(s.id, 'pgbench'));
  if (rows.length === 0) return undefined;
  const lines = [
    '| Scenario | pgbench statement | pgbench clients | pgbench tps | tessera | raw-prepared | raw | emmett |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const s of rows) {
    const fractions = MAIN.map((c) => formatRatio(results.ratio(s.id, c, 'pgbench')));
    lines.push(
      `| ${s.id} | ${s.ceiling?.script} | ${s.ceiling?.clients} | ` +
        `${formatOps(results.get(s.id, 'pgbench')?.opsPerSec)} | ${fractions.join(' | ')} |`,
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

/**
 * Issue 15's rounds: tessera's appends with a command id each against the same without, each in
 * its own process. Too noisy to read the 5% target from (the interleaved table beside it is).
 */
export function renderCommandIdTable(
  scenarios: readonly Scenario[],
  results: ResultSet,
): string | undefined {
  const rows = scenarios.filter((s) => results.get(s.id, 'tessera-keyed'));
  if (rows.length === 0) return undefined;
  const lines = [
    '| Scenario | tessera | tessera, each save with a commandId | Cost of the key, these rounds |',
    '| --- | ---: | ---: | ---: |',
  ];
  for (const s of rows) {
    const ratio = results.ratio(s.id, 'tessera-keyed', 'tessera');
    const cost = ratio === undefined ? undefined : (1 / ratio - 1) * 100;
    lines.push(
      `| ${s.id} (${s.unit}) | ${formatOps(results.get(s.id, 'tessera')?.opsPerSec)} | ` +
        `${formatOps(results.get(s.id, 'tessera-keyed')?.opsPerSec)} | ` +
        `${cost === undefined ? '—' : `${cost.toFixed(1)}%`} |`,
    );
  }
  return lines.join('\n');
}

/**
 * Per-load times of the snapshot scenarios and of the million-event load, with peak RSS;
 * undefined when none ran.
 */
export function renderLoadTable(
  scenarios: readonly Scenario[],
  results: ResultSet,
): string | undefined {
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
  return lines.length > 2 ? lines.join('\n') : undefined;
}

const CPU_COLUMNS: readonly ContenderName[] = [...MAIN, 'pgbench'];

/**
 * CPU microseconds per operation, client + server (medians over rounds): where each contender's
 * time goes, in a form a busy machine moves far less than wall time. Client is the contender's
 * own process; server the whole PostgreSQL server (backends, WAL writer, checkpointer). The last
 * column is tessera's difference to raw-prepared on each side.
 */
export function renderCpuTable(scenarios: readonly Scenario[], results: ResultSet): string {
  const lines = [
    `| Scenario | ${CPU_COLUMNS.join(' | ')} | tessera − raw-prepared |`,
    `| --- | ${CPU_COLUMNS.map(() => '---:').join(' | ')} | ---: |`,
  ];
  const us = (value: number | undefined): string =>
    value === undefined ? '?' : value >= 100 ? value.toFixed(0) : value.toFixed(1);
  for (const s of scenarios) {
    if (!s.contenders.includes('raw-prepared')) continue;
    const cells = CPU_COLUMNS.map((c) => {
      const cpu = results.cpuPerOperation(s.id, c);
      return cpu ? `${us(cpu.client)} + ${us(cpu.server)}` : '—';
    });
    const mine = results.cpuPerOperation(s.id, 'tessera');
    const theirs = results.cpuPerOperation(s.id, 'raw-prepared');
    const signed = (a?: number, b?: number): string => {
      if (a === undefined || b === undefined) return '?';
      const d = a - b;
      return `${d >= 0 ? '+' : '−'}${us(Math.abs(d))}`;
    };
    const difference =
      mine && theirs
        ? `${signed(mine.client, theirs.client)}, ${signed(mine.server, theirs.server)}`
        : '—';
    lines.push(
      `| ${s.id} (µs per ${s.unit.split('/')[0].replace(/s$/, '')}) | ${cells.join(' | ')} | ${difference} |`,
    );
  }
  return lines.join('\n');
}

/**
 * Ratios round by round, pairing each round's children: how much of a ratio is the machine's
 * noise. A target met in the medians but not in most rounds is not met with any margin. The
 * last column is tessera's spread itself: its slowest and fastest round, as a share of its median.
 */
export function renderSpreadTable(scenarios: readonly Scenario[], results: ResultSet): string {
  const lines = [
    '| Scenario | tessera/raw-prepared per round | tessera/raw per round | tessera/emmett per round | tessera/pgbench per round | raw-prepared/pgbench per round | tessera min–max of median |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  const perRound = (id: string, mine: ContenderName, against: ContenderName): string => {
    const ratios = results.roundRatios(id, mine, against);
    return ratios.length === 0 ? '—' : ratios.map((r) => r.toFixed(2)).join(' / ');
  };
  for (const s of scenarios) {
    if (!s.contenders.includes('raw-prepared')) continue;
    const tessera = results.get(s.id, 'tessera');
    let spread = '—';
    if (tessera) {
      const ops = tessera.rounds.map((r) => r.operations / r.seconds);
      const mid = median(ops);
      spread = `${(Math.min(...ops) / mid).toFixed(2)}–${(Math.max(...ops) / mid).toFixed(2)}`;
    }
    lines.push(
      `| ${s.id} | ${perRound(s.id, 'tessera', 'raw-prepared')} | ${perRound(s.id, 'tessera', 'raw')} | ` +
        `${perRound(s.id, 'tessera', 'emmett')} | ${perRound(s.id, 'tessera', 'pgbench')} | ` +
        `${perRound(s.id, 'raw-prepared', 'pgbench')} | ${spread} |`,
    );
  }
  return lines.join('\n');
}
