import type { CliCommand } from '../cli-command';
import { EXIT_CODES } from '../exit-codes';
import { migrationStates } from './migration-states';

/** `tessera status`: each migration, applied or pending; exit code 4 when any is pending. */
export const statusCommand: CliCommand = {
  name: 'status',
  description: 'list the migrations, applied or pending (exit code 4 when any is pending)',
  async run({ output, dataSource }) {
    const states = await migrationStates(await dataSource());
    const pending = states.filter((s) => !s.applied).length;
    output.result({ migrations: states, pending }, () => {
      output.table(states, [
        { heading: 'MIGRATION', value: (s) => s.name },
        { heading: 'STATE', value: (s) => (s.applied ? 'applied' : 'pending') },
      ]);
      output.line(pending === 0 ? 'up to date' : `${pending} pending`);
    });
    return pending === 0 ? EXIT_CODES.ok : EXIT_CODES.pending;
  },
};
