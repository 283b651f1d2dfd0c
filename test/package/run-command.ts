import { execFile } from 'node:child_process';

/** What a finished command printed. */
export interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
}

/** Options for {@link runCommand}. */
export interface RunCommandOptions {
  readonly cwd: string;
  /** Added to this process's environment, less npm's `npm_*` variables. */
  readonly env?: Readonly<Record<string, string>>;
}

// The tests run under `npm test`, whose npm_* variables (npm_config_*, npm_lifecycle_*...) would
// otherwise steer the npm commands started here as if they were part of this project's run.
const inherited = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')),
);

/**
 * Runs `command` to completion; rejects with the command line, exit code and the end of its
 * output when it fails, so a failing install or compile says why in the test report.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: RunCommandOptions,
): Promise<CommandOutput> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, env: { ...inherited, ...options.env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error === null) return resolve({ stdout, stderr });
        const tail = `${stdout}\n${stderr}`.trim().split('\n').slice(-40).join('\n');
        reject(
          new Error(
            `\`${command} ${args.join(' ')}\` in ${options.cwd} failed (${error.message})\n${tail}`,
            {
              cause: error,
            },
          ),
        );
      },
    );
  });
}
