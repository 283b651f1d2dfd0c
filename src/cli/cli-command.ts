import type { Command } from 'commander';
import type { DataSource } from 'typeorm';
import type { CliOutput } from './cli-output';
import type { ExitCode } from './exit-codes';

/** What a command runs with: its output, and the database (connected on first use). */
export interface CliContext {
  readonly output: CliOutput;
  /** The configured DataSource, initialized; closed by the CLI when the command ends. */
  readonly dataSource: () => Promise<DataSource>;
}

/**
 * One `tessera` subcommand. A new command is one file exporting one of these, and one line in
 * `commands/index.ts`: the CLI adds `--json` and `--config`, connects, reports errors and
 * turns the result into the exit code.
 */
export interface CliCommand {
  /** Name and arguments as commander reads them, e.g. `inspect <aggregateId>`. */
  readonly name: string;
  /** One line for `tessera --help`. */
  readonly description: string;
  /** Declares the command's own options. */
  configure?(command: Command): void;
  /**
   * Does the work. `args` are the positional arguments in declaration order, `options` the
   * parsed options (the command's and the global ones). Resolves with the exit code.
   */
  run(
    context: CliContext,
    args: readonly string[],
    options: Readonly<Record<string, unknown>>,
  ): Promise<ExitCode>;
}
