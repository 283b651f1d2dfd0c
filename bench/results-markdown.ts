import type { MachineInfo } from './machine-info';

/** Everything RESULTS.md shows. */
export interface ResultsDocument {
  readonly machine: MachineInfo;
  readonly command: string;
  readonly rounds: number;
  readonly minutes: number;
  readonly mainTable: string;
  readonly misses: readonly string[];
  readonly duplicateIndexTable?: string;
  readonly loadTable: string;
  readonly spreadTable: string;
  readonly profiles: readonly string[];
  /** The hand-written section kept from the previous RESULTS.md. */
  readonly notes: string;
}

const NOTES_START = '<!-- notes:start -->';
const NOTES_END = '<!-- notes:end -->';

/** The hand-written notes of an existing RESULTS.md (kept across runs), or a placeholder. */
export function extractNotes(previous: string | undefined): string {
  const start = previous?.indexOf(NOTES_START) ?? -1;
  const end = previous?.indexOf(NOTES_END) ?? -1;
  if (previous === undefined || start === -1 || end < start) {
    return '_Why each missed target misses it, with the profile that shows it: kept across runs._';
  }
  return previous.slice(start + NOTES_START.length, end).trim();
}

/** Renders bench/RESULTS.md. */
export function renderResultsMarkdown(doc: ResultsDocument): string {
  const m = doc.machine;
  return `# Benchmark results

Written by \`${doc.command}\` on ${m.date.slice(0, 10)} (${doc.minutes.toFixed(1)} minutes). Anyone can
repeat it: \`npm run bench\` against DATABASE_URL's server, or an embedded PostgreSQL when it is
unset; \`npm run bench -- --quick\` for a three-minute check.

## Machine

- CPU: ${m.cpu}, ${m.cores} cores; memory ${m.memoryGiB} GiB; ${m.os}
- Node ${m.node}
- ${m.postgres}
- Server: ${m.server}; ${m.postgresSettings}
- 1-minute load average when the run started: ${m.loadAverage.toFixed(2)} (other work on the
  machine moves the numbers; interleaving and medians damp it, they do not remove it)

## Method

Each (scenario, contender, round) runs in a fresh Node process with its own fresh scratch
database; contenders are interleaved (tessera, raw, emmett, tessera, raw, emmett, ...), ${doc.rounds}
rounds, and the table shows medians. Only the measured loop is timed (\`process.hrtime.bigint()\`
in the child), after an untimed warm-up of a quarter of the measured count (at least 20
operations, loads included), so V8 has optimized each contender's code; data set-up is untimed.
All contenders use a pool of 10 connections and write the same event types, payloads and
metadata, each event's JSON built for that event.

- **tessera**: \`EventRepository\` save/load/update/saveAll of \`examples/bank-account\`.
- **raw**: bare \`pg\` on the same table and rows: one parameterised INSERT per append (every
  row of the append in its VALUES list), one SELECT and a plain reducer per load; in S5 each
  attempt reads and folds the whole stream, inserts the next version and retries on 23505.
- **emmett**: \`@event-driven-io/emmett-postgresql\` 0.42 appendToStream (with the expected
  stream version) / aggregateStream on its own schema. It has no atomic multi-stream append:
  its S6 is ten appends in a row.
- S5: raw and emmett retry with the same full-jitter backoff as tessera's \`update()\`
  (random delay up to min(100, 2·2^n) ms). Every round checks the stream holds versions
  1..500 with no gap or duplicate and fails the run otherwise.

## Results

${doc.mainTable}

${doc.misses.length ? `Missed targets:\n\n${doc.misses.map((s) => `- ${s}`).join('\n')}` : 'Every measured target is met.'}

Round by round (each round's children ran one after another, so a pair shares the machine's
state): the spread is the machine's noise, and a ratio near a target is within it.

${doc.spreadTable}

## Cost of the duplicate index

The ADR's \`idx_events_aggregate (aggregate_id, version)\` duplicates the index of the
\`uq_events_aggregate_version\` constraint; migration \`OneStreamIndex1732500005000\` drops it
and the constraint's index serves every query. tessera's schema (one index) against the same
schema with the ADR's second index created again, same run, interleaved (raw runs on tessera's
schema too, so this choice moves both sides of the tessera/raw ratios alike):

${doc.duplicateIndexTable ?? '_Not measured in this run (left out of --quick)._'}

## Snapshots and long streams

${doc.loadTable}

## Profiles

CPU profiles of the measured loop alone (V8 sampling profiler, 200 µs), self time on the JS
thread. Profiling slows the loop; the shares matter, not the absolute times.

${doc.profiles.join('\n\n') || '_No profile in this run._'}

## Notes

${NOTES_START}
${doc.notes}
${NOTES_END}
`;
}
