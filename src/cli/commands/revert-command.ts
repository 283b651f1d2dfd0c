import type { Command } from 'commander';
import type { CliCommand } from '../cli-command';
import { CliError } from '../cli-error';
import { EXIT_CODES } from '../exit-codes';
import { migrationStates } from './migration-states';

/** `tessera revert [--steps n]`: reverts the last applied migration(s), newest first. */
export const revertCommand: CliCommand = {
  name: 'revert',
  description: 'revert the last applied migration (or the last --steps n)',
  configure(command: Command) {
    command.option('--steps <n>', 'how many migrations to revert', '1');
  },
  async run({ output, dataSource }, _args, options) {
    const steps = Number(options.steps);
    if (!Number.isInteger(steps) || steps < 1) {
      throw new CliError(
        `--steps must be a positive integer, got "${String(options.steps)}"`,
        EXIT_CODES.usage,
      );
    }
    const db = await dataSource();
    const reverted: string[] = [];
    for (let i = 0; i < steps; i++) {
      const before = (await migrationStates(db)).filter((m) => m.applied).map((m) => m.name);
      if (before.length === 0) break;
      await db.undoLastMigration({ transaction: 'each' });
      const after = new Set(
        (await migrationStates(db)).filter((m) => m.applied).map((m) => m.name),
      );
      reverted.push(...before.filter((name) => !after.has(name)));
    }
    output.result({ reverted }, () => {
      if (reverted.length === 0) output.line('nothing to revert: no migration is applied');
      for (const name of reverted) output.line(`reverted ${name}`);
    });
    return EXIT_CODES.ok;
  },
};
