import type { Command } from 'commander';
import { EventArchiver, type ArchivePolicy } from '../../infrastructure/archive/event-archiver';
import type { CliCommand } from '../cli-command';
import { CliError } from '../cli-error';
import { progressReporter } from '../cli-progress-reporter';
import { EXIT_CODES } from '../exit-codes';

/**
 * `tessera archive --older-than <interval>`: moves idle streams' events (all but each stream's
 * last) to `events_archive`, a batch of streams per transaction, with a progress bar.
 */
export const archiveCommand: CliCommand = {
  name: 'archive',
  description: 'move the events of streams idle for --older-than to events_archive, in batches',
  configure(command: Command) {
    command
      .requiredOption('--older-than <interval>', "PostgreSQL interval, e.g. '90 days'")
      .option('--aggregate-type <type>', 'only streams of this aggregate type')
      .option('--streams-per-batch <n>', 'streams per batch (one transaction each)', '100')
      .option('--max-batches <n>', 'stop after n batches')
      .option('--dry-run', 'only count what would move');
  },
  async run({ output, dataSource }, _args, options) {
    const policy: ArchivePolicy = {
      olderThan: String(options.olderThan),
      aggregateType: typeof options.aggregateType === 'string' ? options.aggregateType : undefined,
      streamsPerBatch: positive(options.streamsPerBatch, '--streams-per-batch'),
      maxBatches:
        options.maxBatches === undefined
          ? undefined
          : positive(options.maxBatches, '--max-batches'),
    };
    const db = await dataSource();
    try {
      await db.query('SELECT $1::interval', [policy.olderThan]);
    } catch {
      throw new CliError(
        `--older-than must be a PostgreSQL interval, got "${policy.olderThan}"`,
        EXIT_CODES.usage,
      );
    }
    const archiver = new EventArchiver(db);
    const pending = await archiver.pending(policy);
    if (options.dryRun === true) {
      output.result({ dryRun: true, pending }, () =>
        output.line(`would archive ${pending.events} events of ${pending.streams} streams`),
      );
      return EXIT_CODES.ok;
    }
    const started = process.hrtime.bigint();
    const progress = progressReporter(output, 'archived streams');
    let moved = { totalStreams: 0, totalEvents: 0, batches: 0 };
    try {
      for await (const batch of archiver.run(policy)) {
        moved = { ...batch, batches: moved.batches + 1 };
        progress.update(batch.totalStreams, Math.max(pending.streams, batch.totalStreams));
      }
    } finally {
      progress.stop();
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const result = {
      streams: moved.totalStreams,
      events: moved.totalEvents,
      batches: moved.batches,
      seconds,
      eventsPerSecond: seconds > 0 ? Math.round(moved.totalEvents / seconds) : 0,
    };
    output.result(result, () =>
      output.line(
        `archived ${result.events} events of ${result.streams} streams in ${result.batches} batches ` +
          `(${result.eventsPerSecond} events/s)`,
      ),
    );
    return EXIT_CODES.ok;
  },
};

function positive(value: unknown, option: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new CliError(
      `${option} must be a positive integer, got "${String(value)}"`,
      EXIT_CODES.usage,
    );
  }
  return n;
}
