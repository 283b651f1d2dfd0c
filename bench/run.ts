/**
 * `npm run bench [-- --quick] [--only S1,S4] [--rounds N] [--profile | --no-profile]`: issue 4's
 * benchmark. tessera, raw pg and emmett, interleaved, each (scenario, contender, round) in a fresh
 * child process with its own scratch database, on DATABASE_URL's server or an embedded one.
 * Prints a markdown table, writes bench/results.json, and (full runs) bench/RESULTS.md.
 */
import 'reflect-metadata';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { format, resolveConfig } from 'prettier';
import { createScratchDatabase, startLocalPostgres } from '../support/local-postgres';
import { buildChildren } from './build-children';
import type { ChildResult, ContenderName, Job } from './job';
import { collectMachineInfo } from './machine-info';
import { renderProfile, summarizeProfile } from './profile-summary';
import {
  formatOps,
  renderDuplicateIndexTable,
  renderLoadTable,
  renderMainTable,
  renderSpreadTable,
} from './report-table';
import { ResultSet } from './result-set';
import { extractNotes, renderResultsMarkdown } from './results-markdown';
import { runChild } from './run-child';
import { buildScenarios, type Scenario } from './scenarios';
import { buildTargets } from './targets';

const POOL_SIZE = 10;
const BENCH_DIR = __dirname;
const PROFILE_DIR = join(BENCH_DIR, '..', '.tmp', 'bench-profiles');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      rounds: { type: 'string', default: '3' },
      profile: { type: 'boolean' },
      'no-profile': { type: 'boolean' },
    },
  });
  const quick = values.quick === true;
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error('--rounds must be a positive integer');
  const only = values.only?.split(',').map((s) => s.trim());
  const scenarios = buildScenarios(quick).filter(
    (s) => !only || only.some((prefix) => s.id.startsWith(prefix)),
  );
  const profile = values['no-profile'] ? false : (values.profile ?? !quick);
  const started = Date.now();

  log('compiling the benchmark children');
  const childPath = buildChildren();
  const server = await startLocalPostgres();
  try {
    const machine = await collectMachineInfo(server.url, server.embedded);
    log(
      `PostgreSQL: ${machine.postgres.split(' on ')[0]} (${machine.server}; ${machine.postgresSettings})`,
    );
    const runJob = async (
      scenario: Scenario,
      contender: ContenderName,
      profilePath?: string,
    ): Promise<ChildResult> => {
      const db = await createScratchDatabase(server.url, 'tessera_bench');
      try {
        const job: Job = {
          scenario: scenario.id,
          contender,
          workload: scenario.workload,
          params: scenario.params,
          databaseUrl: db.url,
          poolSize: POOL_SIZE,
          profilePath,
          nodeFlags: scenario.nodeFlags,
        };
        return await runChild(childPath, job);
      } finally {
        await db.drop();
      }
    };

    const results = new ResultSet();
    for (const scenario of scenarios) {
      for (let round = 1; round <= rounds; round++) {
        for (const contender of scenario.contenders) {
          let result: ChildResult;
          try {
            result = await runJob(scenario, contender);
          } catch (error) {
            // Recorded and shown at the end: one crashed child must not cost the whole run.
            results.fail(scenario.id, contender, `round ${round}: ${(error as Error).message}`);
            log(`${scenario.id} round ${round} ${contender}: FAILED`);
            continue;
          }
          results.add(scenario.id, contender, result);
          const notes = Object.entries(result.notes ?? {})
            .map(([k, v]) => `, ${k} ${v}`)
            .join('');
          log(
            `${scenario.id} round ${round} ${contender}: ` +
              `${formatOps(result.operations / result.seconds)} ${scenario.unit} ` +
              `(${result.seconds.toFixed(2)} s, peak RSS ${(result.maxRssKb / 1024).toFixed(0)} MB${notes})`,
          );
        }
      }
    }

    const profiles: string[] = [];
    if (profile) {
      await mkdir(PROFILE_DIR, { recursive: true });
      const loads = scenarios.filter((s) => s.workload === 'load');
      const targets: Array<[Scenario | undefined, ContenderName]> = [
        [scenarios.find((s) => s.id === 'S2'), 'tessera'],
        [scenarios.find((s) => s.id === 'S2'), 'raw'],
        [loads[loads.length - 1], 'tessera'],
        [loads[loads.length - 1], 'raw'],
      ];
      for (const [scenario, contender] of targets) {
        if (!scenario) continue;
        const path = join(PROFILE_DIR, `${scenario.id}-${contender}.cpuprofile`);
        log(`profiling ${scenario.id} ${contender} -> ${path}`);
        const result = await runJob(scenario, contender, path);
        const title =
          `${scenario.id} ${contender}, ${result.operations} ${scenario.unit.split('/')[0]} ` +
          `in ${result.seconds.toFixed(2)} s while profiled`;
        profiles.push(renderProfile(title, await summarizeProfile(path)));
      }
    }

    const targets = buildTargets(scenarios.map((s) => s.id));
    const mainTable = renderMainTable(scenarios, results, targets);
    const duplicateIndexTable = renderDuplicateIndexTable(scenarios, results);
    const loadTable = renderLoadTable(scenarios, results);
    const spreadTable = renderSpreadTable(scenarios, results);
    const misses = [
      ...results.failures().map((f) => `FAILED ${f}`),
      ...targets.flatMap((t) => {
        const outcome = t.check(results);
        return outcome && !outcome.met
          ? [`${t.scenario}: ${t.text} — measured ${outcome.measured}`]
          : [];
      }),
    ];
    console.log(`\n${mainTable}\n`);
    if (duplicateIndexTable)
      console.log(`Duplicate index (idx_events_aggregate):\n\n${duplicateIndexTable}\n`);
    console.log(`${loadTable}\n`);
    console.log(`Per-round ratios (noise):\n\n${spreadTable}\n`);
    for (const p of profiles) console.log(`${p}\n`);

    const json = scenarios.flatMap((s) =>
      s.contenders.flatMap((contender) => {
        const run = results.get(s.id, contender);
        if (!run) return [];
        return [
          {
            scenario: s.id,
            contender,
            opsPerSec: run.opsPerSec,
            ratioToRaw: results.ratio(s.id, contender, 'raw') ?? null,
            ratioToEmmett: results.ratio(s.id, contender, 'emmett') ?? null,
            unit: s.unit,
            peakRssMb: run.peakRssMb,
            rounds: run.rounds.map((r) => r.operations / r.seconds),
          },
        ];
      }),
    );
    await writeFile(join(BENCH_DIR, 'results.json'), `${JSON.stringify(json, null, 2)}\n`);
    const minutes = (Date.now() - started) / 60_000;
    log(`wrote bench/results.json; ${minutes.toFixed(1)} minutes`);

    if (!quick && !only) {
      const path = join(BENCH_DIR, 'RESULTS.md');
      const previous = await readFile(path, 'utf8').catch(() => undefined);
      const markdown = renderResultsMarkdown({
        machine,
        command: 'npm run bench',
        rounds,
        minutes,
        mainTable,
        misses,
        duplicateIndexTable,
        loadTable,
        spreadTable,
        profiles,
        notes: extractNotes(previous),
      });
      // Formatted like every other file, so the repository's format check stays clean.
      const style = await resolveConfig(path);
      await writeFile(path, await format(markdown, { ...style, filepath: path }));
      log('wrote bench/RESULTS.md');
    }
    for (const failure of results.failures()) console.log(`FAILED ${failure}`);
    if (results.failures().length > 0) process.exitCode = 1;
  } finally {
    await server.stop();
  }
}

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
