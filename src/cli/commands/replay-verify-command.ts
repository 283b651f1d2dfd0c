import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { AggregateClass } from '../../domain/model/aggregate-root';
import { aggregateTypeName } from '../../domain/model/aggregate.decorator';
import { verifyReplay } from '../../infrastructure/replay-verify/verify-replay';
import type { CliCommand } from '../cli-command';
import { CliError } from '../cli-error';
import { progressReporter } from '../cli-progress-reporter';
import { EXIT_CODES } from '../exit-codes';

/**
 * `tessera replay-verify --aggregates <module>`: replays every stored stream (or one aggregate
 * type, or a sample) through today's code with `verifyReplay`, a progress bar on a terminal,
 * one line per stream that no longer loads, and exit code `failure` when any does (for CI).
 */
export const replayVerifyCommand: CliCommand = {
  name: 'replay-verify',
  description: "replay every stream through today's code; exit 1 if any no longer loads",
  configure(command: Command) {
    command
      .requiredOption(
        '--aggregates <module>',
        'a module whose exports include the @Aggregate classes (and registers their events)',
      )
      .option('--aggregate-type <name>', 'only streams of this aggregate type')
      .option('--sample <fraction>', 'only this fraction of the streams, in (0, 1]')
      .option('--page-size <n>', 'rows per page of the scan', '5000')
      .option('--max-failures <n>', 'failures listed (all are counted)', '1000')
      .option('--schema <schema>', 'schema of the events table');
  },
  async run({ output, dataSource }, _args, options) {
    const aggregates = aggregatesOf(String(options.aggregates));
    const db = await dataSource();
    const progress = progressReporter(output, 'replayed events');
    const controller = new AbortController();
    const interrupt = (): void => controller.abort();
    process.once('SIGINT', interrupt);
    let report;
    try {
      report = await verifyReplay(db, {
        aggregates,
        aggregateType: stringOption(options.aggregateType),
        sample: options.sample === undefined ? undefined : number(options.sample, '--sample'),
        pageSize: number(options.pageSize, '--page-size'),
        maxFailures: number(options.maxFailures, '--max-failures'),
        schema: stringOption(options.schema),
        signal: controller.signal,
        onProgress: (p) => progress.update(p.events, Math.max(p.estimatedEvents, p.events)),
      });
    } finally {
      process.removeListener('SIGINT', interrupt);
      progress.stop();
    }
    const done = report;
    output.result(done, () => {
      for (const f of done.failures) {
        output.line(
          `FAILED ${f.aggregateType} ${f.aggregateId} at version ${f.version}` +
            `${f.eventType ? ` (${f.eventType})` : ''}: ${f.code}: ${f.message}`,
        );
      }
      output.line(
        `${done.streams} streams, ${done.events} events checked in ${Math.round(done.durationMs)} ms: ` +
          `${done.failedStreams} failed`,
      );
    });
    return done.ok ? EXIT_CODES.ok : EXIT_CODES.failure;
  },
};

/** The @Aggregate classes among a module's exports (and an `aggregates` array export). */
function aggregatesOf(modulePath: string): AggregateClass[] {
  let exported: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    exported = require(resolve(process.cwd(), modulePath)) as Record<string, unknown>;
  } catch (error) {
    throw new CliError(
      `--aggregates: cannot load ${modulePath}: ${error instanceof Error ? error.message : String(error)}`,
      EXIT_CODES.usage,
    );
  }
  const candidates = [
    ...Object.values(exported),
    ...(Array.isArray(exported.aggregates) ? (exported.aggregates as unknown[]) : []),
  ];
  const found = candidates.filter((value): value is AggregateClass => {
    if (typeof value !== 'function') return false;
    try {
      aggregateTypeName(value);
      return true;
    } catch {
      return false;
    }
  });
  if (found.length === 0) {
    throw new CliError(
      `--aggregates: ${modulePath} exports no @Aggregate class (is it built against the same tessera-es?)`,
      EXIT_CODES.usage,
    );
  }
  return [...new Set(found)];
}

function stringOption(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function number(value: unknown, option: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new CliError(`${option} must be a number`, EXIT_CODES.usage);
  return n;
}
