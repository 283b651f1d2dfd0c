import type { CliCommand } from '../cli-command';
import { EXIT_CODES } from '../exit-codes';

/** `tessera migrate`: runs every pending migration, each in its own transaction. */
export const migrateCommand: CliCommand = {
  name: 'migrate',
  description: 'run the pending migrations (Tessera’s, then the application’s with --config)',
  async run({ output, dataSource }) {
    const db = await dataSource();
    const applied = await db.runMigrations({ transaction: 'each' });
    const names = applied.map((m) => m.name);
    output.result({ applied: names }, () => {
      if (names.length === 0) output.line('nothing to migrate: the schema is up to date');
      for (const name of names) output.line(`applied ${name}`);
    });
    return EXIT_CODES.ok;
  },
};
