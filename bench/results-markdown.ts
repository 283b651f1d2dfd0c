import type { Configuration } from './configurations';
import { formatSettings, type MachineInfo, type ServerInfo } from './machine-info';
import { ceilingStatement, type CeilingScript } from './pgbench-ceiling';

/** One configuration's part of RESULTS.md, its tables already rendered. */
export interface ConfigurationSection {
  readonly configuration: Configuration;
  readonly server: ServerInfo;
  readonly minutes: number;
  readonly mainTable: string;
  /** Targets read on this configuration and missed (with failed rounds). */
  readonly misses: readonly string[];
  readonly ceilingTable?: string;
  readonly spreadTable: string;
  readonly cpuTable: string;
  readonly duplicateIndexTable?: string;
  readonly commandIdTable?: string;
  readonly loadTable?: string;
  readonly profiles: readonly string[];
}

/** Everything RESULTS.md shows. */
export interface ResultsDocument {
  readonly machine: MachineInfo;
  /** `pgbench --version`, when there is one. */
  readonly pgbench?: string;
  readonly command: string;
  readonly rounds: number;
  readonly minutes: number;
  readonly sections: readonly ConfigurationSection[];
  /** The hand-written section kept from the previous RESULTS.md. */
  readonly notes: string;
}

const NOTES_START = '<!-- notes:start -->';
const NOTES_END = '<!-- notes:end -->';
const SCRIPTS: readonly CeilingScript[] = ['one-event', 'ten-events-one-stream', 'ten-streams'];

/** The hand-written notes of an existing RESULTS.md (kept across runs), or a placeholder. */
export function extractNotes(previous: string | undefined): string {
  const start = previous?.indexOf(NOTES_START) ?? -1;
  const end = previous?.indexOf(NOTES_END) ?? -1;
  if (previous === undefined || start === -1 || end < start) {
    return '_Why each missed target misses it, with the profile that shows it: kept across runs._';
  }
  return previous.slice(start + NOTES_START.length, end).trim();
}

function serverLine(section: ConfigurationSection): string {
  return (
    `- **${section.configuration.id}**: ${section.server.postgres}; ${section.server.source}; ` +
    `${formatSettings(section.server.settings)} (${section.minutes.toFixed(1)} minutes)`
  );
}

function renderSection(section: ConfigurationSection): string {
  const { configuration } = section;
  const durable = configuration.id === 'durable';
  const parts = [
    `## ${durable ? 'Durable configuration (the targets)' : 'CPU configuration (durability off)'}`,
    `${configuration.title}. ${
      durable
        ? 'Every commit waits for its WAL to be flushed to disk, as on a server with ' +
          "PostgreSQL's defaults: the configuration users run, and the one the targets are read on."
        : "No commit waits for the disk, so the client's own work is a larger share of each " +
          'append and differences between clients show more sharply. Only the tessera-only ' +
          'targets (snapshots, memory) are read here.'
    }`,
    section.mainTable,
  ];
  if (durable) {
    parts.push(
      section.misses.length
        ? `Missed targets:\n\n${section.misses.map((s) => `- ${s}`).join('\n')}`
        : 'Every measured target is met.',
    );
  } else if (section.misses.length) {
    parts.push(`Missed or failed here:\n\n${section.misses.map((s) => `- ${s}`).join('\n')}`);
  }
  if (section.ceilingTable) {
    parts.push(
      '### Ceiling: pgbench\n\n' +
        "pgbench's prepared INSERT of the same rows into the same table, on the same server, as " +
        "each contender's fraction of it (medians). S1, S2 and S6 against one pgbench connection, " +
        'S3 against eight.\n\n' +
        section.ceilingTable,
    );
  }
  parts.push(
    '### Round by round\n\n' +
      "Each round ran every contender once, one after another, so a round's pair shared the " +
      "machine's state: the spread is the machine's noise, and a ratio near a target is within it.\n\n" +
      section.spreadTable,
  );
  parts.push(
    '### CPU per operation\n\n' +
      'Microseconds of CPU per operation, client + server, medians over rounds: the ' +
      "contender's own process (its JavaScript, pg, the garbage collector), and the whole " +
      'PostgreSQL server (backends, WAL writer, checkpointer; read from /proc in 10 ms ticks). ' +
      'CPU per operation is what a busy machine moves least: where wall-clock ratios swing ' +
      "from round to round, this says what each contender's operation costs and where " +
      "tessera's difference to raw-prepared lies. Waiting (for the disk, for the other side) " +
      'is in neither.\n\n' +
      section.cpuTable,
  );
  if (section.duplicateIndexTable) {
    parts.push(
      '### Cost of the duplicate index\n\n' +
        "The ADR's `idx_events_aggregate (aggregate_id, version)` duplicates the index of the " +
        '`uq_events_aggregate_version` constraint; migration `OneStreamIndex1732500005000` drops ' +
        "it. tessera's schema (one index) against the same schema with the ADR's second index " +
        'created again, same rounds, interleaved:\n\n' +
        section.duplicateIndexTable,
    );
  }
  if (section.commandIdTable) {
    parts.push(
      '### What a command id costs\n\n' +
        'Issue 15: tessera with a fresh `commandId` on every save (the key written on the ' +
        "stream's first event of the save, in the append's own statement) against tessera without, same rounds, " +
        'interleaved. The cost is the extra time per append, from the median throughputs.\n\n' +
        section.commandIdTable,
    );
  }
  if (section.loadTable) parts.push(`### Snapshots and long streams\n\n${section.loadTable}`);
  if (section.profiles.length > 0) {
    parts.push(
      '### Profiles\n\n' +
        'CPU profiles of the measured loop alone (V8 sampling profiler, 200 µs), self time on ' +
        'the JS thread. Profiling slows the loop; the shares matter, not the absolute times.\n\n' +
        section.profiles.join('\n\n'),
    );
  }
  return parts.join('\n\n');
}

/** Renders bench/RESULTS.md. */
export function renderResultsMarkdown(doc: ResultsDocument): string {
  const m = doc.machine;
  return `# Benchmark results

Written by \`${doc.command}\` on ${m.date.slice(0, 10)} (${doc.minutes.toFixed(1)} minutes). Anyone can
repeat it: \`npm run bench\` (each configuration on an embedded PostgreSQL started for it, or on
DATABASE_URL's server when its settings are that configuration's); \`npm run bench -- --quick\`
for a check in under three minutes.

## Machine

- CPU: ${m.cpu}, ${m.cores} cores; memory ${m.memoryGiB} GiB; ${m.os}
- Node ${m.node}; ${doc.pgbench ?? 'no pgbench found'}
- 1-minute load average when the run started: ${m.loadAverage.toFixed(2)} (the machine is shared:
  other work moves the numbers; interleaving and medians damp it, they do not remove it)
- Servers, one per configuration:
${doc.sections.map(serverLine).join('\n')}

## Method

Two configurations, each on its own server: **durable** (PostgreSQL's defaults: fsync,
synchronous_commit and full_page_writes on; the targets are read here) and **CPU** (all three
off; the client's overhead shows more sharply). In each, every (scenario, contender, round) runs
in a fresh Node process with its own fresh scratch database; each round runs every contender
once, their order rotated by one from round to round, ${doc.rounds} rounds, and the tables show
medians. Only the measured loop is timed (\`process.hrtime.bigint()\` in the child), after an
untimed warm-up of a quarter of the measured count (at least 20 operations, loads included), so
V8 has optimized each contender's code; data set-up is untimed. All contenders use a pool of 10
connections and write the same event types, payloads and metadata, each event's JSON built for
that event.

- **tessera**: \`EventRepository\` save/load/update/saveAll of \`examples/bank-account\`.
- **raw-prepared** (the denominator of every target): bare \`pg\` as tessera drives it. Named
  prepared statements (parsed and planned once per connection) on a checked-out client, through
  pg's callback interface with a \`Query\` built from the text; one INSERT per append (every row
  of the append in its VALUES list); loads select only what the fold needs (version, event type,
  payload) as arrays, then a plain reducer.
- **raw**: the earlier baseline: the same INSERT and a \`SELECT version, event_type, payload\`,
  unnamed (parsed and planned on every execution), through \`pool.query()\`'s promise API, rows
  as objects.
- **emmett**: \`@event-driven-io/emmett-postgresql\` 0.42 appendToStream (with the expected
  stream version) / aggregateStream on its own schema. It has no atomic multi-stream append:
  its S6 is ten appends in a row.
- **pgbench** (the ceiling, append scenarios only): \`pgbench --protocol=prepared\` with a script
  inserting the same rows into the same table (created by tessera's migrations), every value a
  bind parameter except the ids (\`gen_random_uuid()\` on the server), 5 s timed after 250
  untimed transactions per connection (1 s in --quick), 1 connection (S1, S2, S6) or 8 (S3).
  Its statements:
${SCRIPTS.map((s) => `  - \`${s}\`: \`${ceilingStatement(s)}\``).join('\n')}
- S5: both raws and emmett retry with the same full-jitter backoff as tessera's \`update()\`
  (random delay up to min(100, 2·2^n) ms); raw and raw-prepared on a checked-out client. Every
  round checks the stream holds versions 1..500 with no gap or duplicate and fails the run
  otherwise.

${doc.sections.map(renderSection).join('\n\n')}

## Notes

${NOTES_START}
${doc.notes}
${NOTES_END}
`;
}
