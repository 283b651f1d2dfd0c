import type { Command } from 'commander';
import { EventsPartitioner } from '../../infrastructure/partitioning/events-partitioner';
import type { CliCommand } from '../cli-command';
import { CliError } from '../cli-error';
import { progressReporter } from '../cli-progress-reporter';
import { EXIT_CODES } from '../exit-codes';

/**
 * `tessera partition`: moves the plain `events` table to hash partitions by `aggregate_id`,
 * online: batched copy with a progress bar, then a short switch (docs/operations-archival-and-recovery.md).
 */
export const partitionCommand: CliCommand = {
  name: 'partition',
  description: 'move events to hash partitions by aggregate_id, online (resumable)',
  configure(command: Command) {
    command
      .option('--partitions <n>', 'hash partitions (1-99)', '16')
      .option('--batch-size <n>', 'events copied per batch', '10000');
  },
  async run({ output, dataSource }, _args, options) {
    const partitions = Number(options.partitions);
    const batchSize = Number(options.batchSize);
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > 99) {
      throw new CliError('--partitions must be an integer from 1 to 99', EXIT_CODES.usage);
    }
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new CliError('--batch-size must be a positive integer', EXIT_CODES.usage);
    }
    const partitioner = new EventsPartitioner(await dataSource());
    if (await partitioner.isPartitioned()) {
      output.result({ partitioned: true, copied: 0 }, () =>
        output.line('events is already partitioned: nothing to do'),
      );
      return EXIT_CODES.ok;
    }
    const progress = progressReporter(output, 'copied events');
    let copied = 0;
    const started = process.hrtime.bigint();
    try {
      for await (const step of partitioner.run({ partitions, batchSize })) {
        copied = step.copied;
        if (step.phase === 'copy') progress.update(step.copied, step.total);
      }
    } finally {
      progress.stop();
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    output.result({ partitioned: true, copied, partitions, seconds }, () =>
      output.line(
        `events is now hash-partitioned (${partitions} partitions): ${copied} events; ` +
          'the plain table is kept as events_unpartitioned until you drop it',
      ),
    );
    return EXIT_CODES.ok;
  },
};
