import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createScratchDatabase } from '../support/local-postgres';
import type { Configuration } from './configurations';
import { startConfigurationServer } from './configuration-server';
import type { ChildResult, ContenderName } from './job';
import type { ServerInfo } from './machine-info';
import { runPgbench } from './pgbench-ceiling';
import { postmasterPid } from './process-cpu';
import { renderProfile, summarizeProfile } from './profile-summary';
import { interleavedCommandIds } from './interleaved-command-ids';
import { formatOps } from './report-table';
import { ResultSet } from './result-set';
import { runChild } from './run-child';
import type { Scenario } from './scenarios';

const POOL_SIZE = 10;

/** What one configuration's part of a run measured. */
export interface ConfigurationRun {
  readonly configuration: Configuration;
  readonly server: ServerInfo;
  readonly scenarios: readonly Scenario[];
  readonly results: ResultSet;
  /** Rendered CPU profiles (markdown), when asked for. */
  readonly profiles: readonly string[];
  /** bench/idempotency.ts's table on this server, when a scenario has the keyed contender. */
  readonly interleavedCommandIds?: string;
  readonly minutes: number;
}

/** How {@link runConfiguration} runs. */
export interface RunOptions {
  readonly childPath: string;
  readonly rounds: number;
  /** Where profiles go; none are taken without it. */
  readonly profileDir?: string;
  readonly log: (message: string) => void;
}

/**
 * Runs every scenario of one configuration on its own server: `rounds` rounds, each running
 * every contender once, one after another, each in a fresh child (pgbench: a fresh pgbench) with
 * its own scratch database. The contenders' order rotates by one each round, so no contender is
 * always first after a database drop or always last before the next scenario.
 */
export async function runConfiguration(
  configuration: Configuration,
  scenarios: readonly Scenario[],
  options: RunOptions,
): Promise<ConfigurationRun> {
  const started = Date.now();
  const { log } = options;
  const { server, info } = await startConfigurationServer(configuration);
  try {
    log(`${configuration.id}: ${info.postgres.split(' on ')[0]} (${info.source})`);
    // Server CPU is read from its processes: only for a server started here.
    const postmaster = server.embedded ? postmasterPid(server.dataDir) : undefined;
    const runJob = async (
      scenario: Scenario,
      contender: ContenderName,
      profilePath?: string,
    ): Promise<ChildResult> => {
      const db = await createScratchDatabase(server.url, 'tessera_bench');
      try {
        if (contender === 'pgbench') {
          if (!scenario.ceiling) throw new Error(`${scenario.id} has no pgbench ceiling`);
          return await runPgbench(db.url, scenario.ceiling, postmaster);
        }
        return await runChild(options.childPath, {
          scenario: scenario.id,
          contender,
          workload: scenario.workload,
          params: {
            ...scenario.params,
            operations: scenario.operationsFor?.[contender] ?? scenario.params.operations,
          },
          databaseUrl: db.url,
          poolSize: POOL_SIZE,
          postmasterPid: postmaster,
          profilePath,
          nodeFlags: scenario.nodeFlags,
        });
      } finally {
        await db.drop();
      }
    };

    const results = new ResultSet();
    for (const scenario of scenarios) {
      for (let round = 1; round <= options.rounds; round++) {
        for (const contender of rotate(scenario.contenders, round - 1)) {
          let result: ChildResult;
          try {
            result = await runJob(scenario, contender);
          } catch (error) {
            // Recorded and shown at the end: one crashed child must not cost the whole run.
            results.fail(scenario.id, contender, `round ${round}: ${(error as Error).message}`);
            log(`${configuration.id} ${scenario.id} round ${round} ${contender}: FAILED`);
            continue;
          }
          results.add(scenario.id, contender, round, result);
          const notes = Object.entries(result.notes ?? {})
            .map(([k, v]) => `, ${k} ${v}`)
            .join('');
          const rss =
            contender === 'pgbench' ? '' : `, peak RSS ${(result.maxRssKb / 1024).toFixed(0)} MB`;
          const cpuUs = (seconds?: number): string =>
            seconds === undefined ? '?' : ((seconds * 1e6) / result.operations).toFixed(1);
          const cpu = result.cpu
            ? `, CPU µs/op client ${cpuUs(result.cpu.client)} server ${cpuUs(result.cpu.server)}`
            : '';
          log(
            `${configuration.id} ${scenario.id} round ${round} ${contender}: ` +
              `${formatOps(result.operations / result.seconds)} ${scenario.unit} ` +
              `(${result.seconds.toFixed(2)} s${rss}${cpu}${notes})`,
          );
        }
      }
    }

    let interleaved: string | undefined;
    if (scenarios.some((s) => s.contenders.includes('tessera-keyed'))) {
      log(`${configuration.id}: command ids, interleaved (bench/idempotency.ts)`);
      try {
        interleaved = await interleavedCommandIds(server.url);
      } catch (error) {
        log(`${configuration.id}: interleaved command ids FAILED: ${(error as Error).message}`);
      }
    }

    const profiles: string[] = [];
    if (options.profileDir) {
      await mkdir(options.profileDir, { recursive: true });
      const loads = scenarios.filter((s) => s.workload === 'load');
      const s2 = scenarios.find((s) => s.id === 'S2');
      const last = loads[loads.length - 1];
      const targets: Array<[Scenario | undefined, ContenderName]> = [
        [s2, 'tessera'],
        [s2, 'raw-prepared'],
        [last, 'tessera'],
        [last, 'raw-prepared'],
      ];
      for (const [scenario, contender] of targets) {
        if (!scenario) continue;
        const path = join(
          options.profileDir,
          `${configuration.id}-${scenario.id}-${contender}.cpuprofile`,
        );
        log(`profiling ${configuration.id} ${scenario.id} ${contender} -> ${path}`);
        const result = await runJob(scenario, contender, path);
        const title =
          `${scenario.id} ${contender}, ${result.operations} ${scenario.unit.split('/')[0]} ` +
          `in ${result.seconds.toFixed(2)} s while profiled`;
        profiles.push(renderProfile(title, await summarizeProfile(path)));
      }
    }
    return {
      configuration,
      server: info,
      scenarios,
      results,
      profiles,
      interleavedCommandIds: interleaved,
      minutes: (Date.now() - started) / 60_000,
    };
  } finally {
    await server.stop();
  }
}

/** `items` rotated left by `by` places. */
function rotate<T>(items: readonly T[], by: number): T[] {
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
