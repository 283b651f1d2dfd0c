import type { ExitCode } from './exit-codes';

/**
 * A failure the CLI reports as one line on stderr and turns into its exit code: what the
 * operator did wrong or what is missing, never a stack trace.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
