import { Command, CommanderError } from 'commander';
import type { DataSource } from 'typeorm';
import { TesseraError } from '../domain/errors/tessera-error';
import { configuredDataSource } from './cli-data-source';
import type { CliCommand, CliContext } from './cli-command';
import { CliError } from './cli-error';
import { CliOutput } from './cli-output';
import { COMMANDS } from './commands';
import { EXIT_CODES, type ExitCode } from './exit-codes';

/**
 * Runs the `tessera` command line (`argv` as in `process.argv`) and resolves with its exit code.
 * Every failure ends here as one line on stderr: a usage error (2), a named Tessera or database
 * error (1), or what the command itself returned.
 */
export async function runCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<ExitCode> {
  let exitCode: ExitCode = EXIT_CODES.ok;
  const program = new Command('tessera')
    .description('Operate a Tessera event store: schema, streams, statistics, archival, slots.')
    .option('--config <file>', 'TypeORM data-source file (default: DATABASE_URL)')
    .option('--json', 'print results as JSON')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  for (const command of COMMANDS) {
    const sub = program.command(command.name).description(command.description).exitOverride();
    command.configure?.(sub);
    sub.action(async () => {
      exitCode = await runCommand(command, sub, env);
    });
  }
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here too, with exit code 0.
      return error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
    }
    throw error;
  }
}

async function runCommand(
  command: CliCommand,
  sub: Command,
  env: NodeJS.ProcessEnv,
): Promise<ExitCode> {
  const options = sub.optsWithGlobals<Record<string, unknown>>();
  const output = new CliOutput(options.json === true);
  let opened: DataSource | undefined;
  const context: CliContext = {
    output,
    async dataSource() {
      if (opened) return opened;
      const dataSource = configuredDataSource(
        typeof options.config === 'string' ? options.config : undefined,
        env,
      );
      try {
        await dataSource.initialize();
      } catch (error) {
        throw new CliError(`cannot connect to the database: ${message(error)}`, EXIT_CODES.failure);
      }
      opened = dataSource;
      return dataSource;
    },
  };
  try {
    return await command.run(context, sub.processedArgs as string[], options);
  } catch (error) {
    process.stderr.write(`tessera ${sub.name()}: ${describe(error)}\n`);
    return error instanceof CliError ? error.exitCode : EXIT_CODES.failure;
  } finally {
    if (opened?.isInitialized) await opened.destroy();
  }
}

function describe(error: unknown): string {
  if (error instanceof TesseraError) return `${error.code}: ${error.message}`;
  return message(error);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
