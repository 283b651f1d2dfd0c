/**
 * `npm run bench [-- --quick] [--only S1,S4] [--config durable,cpu] [--rounds N]
 * [--profile | --no-profile]`: issues 4 and 14's benchmark. tessera, raw pg with named prepared
 * statements, raw pg as before, emmett and (on appends) pgbench, in two server configurations
 * (durable: PostgreSQL's defaults; CPU: durability off), interleaved, each (scenario, contender,
 * round) in a fresh process with its own scratch database. Prints markdown tables, writes
 * bench/results.json, and (full runs of both configurations) bench/RESULTS.md.
 */
import 'reflect-metadata';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { format, resolveConfig } from 'prettier';
import { buildChildren } from './build-children';
import { CONFIGURATIONS } from './configurations';
import { collectMachineInfo } from './machine-info';
import { pgbenchVersion } from './pgbench-ceiling';
import {
  renderCeilingTable,
  renderCpuTable,
  renderDuplicateIndexTable,
  renderCommandIdTable,
  renderLoadTable,
  renderMainTable,
  renderSpreadTable,
} from './report-table';
import { extractNotes, renderResultsMarkdown, type ConfigurationSection } from './results-markdown';
import { runConfiguration, type ConfigurationRun } from './run-configuration';
import { buildScenarios } from './scenarios';
import { buildTargets } from './targets';

const BENCH_DIR = __dirname;
const PROFILE_DIR = join(BENCH_DIR, '..', '.tmp', 'bench-profiles');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      config: { type: 'string' },
      rounds: { type: 'string' },
      profile: { type: 'boolean' },
      'no-profile': { type: 'boolean' },
    },
  });
  const quick = values.quick === true;
  // --quick: two rounds, to fit both configurations in three minutes.
  const rounds = Number(values.rounds ?? (quick ? 2 : 5));
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error('--rounds must be a positive integer');
  const only = values.only?.split(',').map((s) => s.trim());
  const configIds = values.config?.split(',').map((s) => s.trim());
  const configurations = CONFIGURATIONS.filter((c) => !configIds || configIds.includes(c.id));
  if (configurations.length === 0) throw new Error('--config takes durable, cpu or both');
  const profile = values['no-profile'] ? false : (values.profile ?? !quick);
  const started = Date.now();
  const machine = collectMachineInfo();

  log('compiling the benchmark children');
  const childPath = buildChildren();
  const pgbench = await pgbenchVersion();
  if (!pgbench) log('no pgbench found: the ceiling rounds will fail');

  const runs: ConfigurationRun[] = [];
  for (const configuration of configurations) {
    const scenarios = buildScenarios(quick, configuration.id).filter(
      (s) => !only || only.some((prefix) => s.id.startsWith(prefix)),
    );
    if (scenarios.length === 0) continue;
    runs.push(
      await runConfiguration(configuration, scenarios, {
        childPath,
        rounds,
        // Profiles show the client's work, sharpest where no commit waits for the disk.
        profileDir: profile && configuration.id === 'cpu' ? PROFILE_DIR : undefined,
        log,
      }),
    );
  }

  const sections = runs.map(section);
  for (const s of sections) {
    console.log(`\n## ${s.configuration.title}\n\n${s.mainTable}\n`);
    if (s.ceilingTable) console.log(`Ceiling (fraction of pgbench):\n\n${s.ceilingTable}\n`);
    if (s.duplicateIndexTable)
      console.log(`Duplicate index (idx_events_aggregate):\n\n${s.duplicateIndexTable}\n`);
    if (s.commandIdTable) console.log(`Command ids (issue 15):\n\n${s.commandIdTable}\n`);
    if (s.loadTable) console.log(`${s.loadTable}\n`);
    console.log(`Per-round ratios (noise):\n\n${s.spreadTable}\n`);
    console.log(`CPU per operation, client + server (µs):\n\n${s.cpuTable}\n`);
    for (const p of s.profiles) console.log(`${p}\n`);
    for (const miss of s.misses) console.log(`${s.configuration.id}: ${miss}`);
  }

  const json = runs.flatMap((run) =>
    run.scenarios.flatMap((s) =>
      s.contenders.flatMap((contender) => {
        const result = run.results.get(s.id, contender);
        if (!result) return [];
        return [
          {
            configuration: run.configuration.id,
            scenario: s.id,
            contender,
            opsPerSec: result.opsPerSec,
            ratioToRawPrepared: run.results.ratio(s.id, contender, 'raw-prepared') ?? null,
            ratioToRaw: run.results.ratio(s.id, contender, 'raw') ?? null,
            ratioToEmmett: run.results.ratio(s.id, contender, 'emmett') ?? null,
            ratioToPgbench: run.results.ratio(s.id, contender, 'pgbench') ?? null,
            unit: s.unit,
            peakRssMb: result.peakRssMb,
            rounds: [...result.byRound].map(([round, r]) => ({
              round,
              opsPerSec: r.operations / r.seconds,
            })),
          },
        ];
      }),
    ),
  );
  await writeFile(join(BENCH_DIR, 'results.json'), `${JSON.stringify(json, null, 2)}\n`);
  const minutes = (Date.now() - started) / 60_000;
  log(`wrote bench/results.json; ${minutes.toFixed(1)} minutes`);

  if (!quick && !only && runs.length === CONFIGURATIONS.length) {
    const path = join(BENCH_DIR, 'RESULTS.md');
    const previous = await readFile(path, 'utf8').catch(() => undefined);
    const markdown = renderResultsMarkdown({
      machine,
      pgbench,
      command: 'npm run bench',
      rounds,
      minutes,
      sections,
      notes: extractNotes(previous),
    });
    // Formatted like every other file, so the repository's format check stays clean.
    const style = await resolveConfig(path);
    await writeFile(path, await format(markdown, { ...style, filepath: path }));
    log('wrote bench/RESULTS.md');
  }
  const failures = runs.flatMap((r) => r.results.failures());
  for (const failure of failures) console.log(`FAILED ${failure}`);
  if (failures.length > 0) process.exitCode = 1;
}

/** Renders one configuration's tables and checks the targets read on it. */
function section(run: ConfigurationRun): ConfigurationSection {
  const { configuration, scenarios, results } = run;
  const targets = buildTargets(scenarios.map((s) => s.id));
  const misses = [
    ...results.failures().map((f) => `FAILED ${f}`),
    ...targets
      .filter((t) => t.readOn === configuration.id)
      .flatMap((t) => {
        const outcome = t.check(results);
        return outcome && !outcome.met
          ? [`${t.scenario}: ${t.text} — measured ${outcome.measured}`]
          : [];
      }),
  ];
  return {
    configuration,
    server: run.server,
    minutes: run.minutes,
    mainTable: renderMainTable(scenarios, results, targets, configuration.id),
    misses,
    ceilingTable: renderCeilingTable(scenarios, results),
    spreadTable: renderSpreadTable(scenarios, results),
    cpuTable: renderCpuTable(scenarios, results),
    duplicateIndexTable: renderDuplicateIndexTable(scenarios, results),
    commandIdTable:
      [
        renderCommandIdTable(scenarios, results),
        run.interleavedCommandIds &&
          'Interleaved append by append in one process (`npm run bench:idempotency` on this ' +
            'server), the measurement the target is read from (the rounds above run each contender ' +
            'in its own process, minutes apart):\n\n' +
            run.interleavedCommandIds,
      ]
        .filter((part): part is string => typeof part === 'string')
        .join('\n\n') || undefined,
    loadTable: renderLoadTable(scenarios, results),
    profiles: run.profiles,
  };
}

const startedAt = Date.now();

/** Progress on stderr, with the time since the run started (a reader sees where time goes). */
function log(message: string): void {
  const seconds = Math.round((Date.now() - startedAt) / 1000);
  const clock = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
  process.stderr.write(`bench ${clock}: ${message}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
