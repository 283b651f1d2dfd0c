import type { Command } from 'commander';
import { checkHealth } from '../../infrastructure/health/check-health';
import type { HealthStatus } from '../../infrastructure/health/health-report';
import type { CliCommand } from '../cli-command';
import { CliError } from '../cli-error';
import { EXIT_CODES } from '../exit-codes';

const FAIL_ON: readonly HealthStatus[] = ['warn', 'critical'];

/**
 * `tessera health [--fail-on warn|critical] [--schema s]`: `checkHealth` with its default
 * thresholds (docs/operations.md), a line per check, and an exit code a monitor can read:
 * `unhealthy` when the overall status reaches `--fail-on` (default `critical`).
 */
export const healthCommand: CliCommand = {
  name: 'health',
  description: 'check connectivity, migrations, slots, WAL, old transactions, vacuum and sizes',
  configure(command: Command) {
    command
      .option(
        '--fail-on <status>',
        'exit non-zero from this status on: warn or critical',
        'critical',
      )
      .option('--schema <schema>', 'schema of the events table', 'public');
  },
  async run({ output, dataSource }, _args, options) {
    const failOn = String(options.failOn) as HealthStatus;
    if (!FAIL_ON.includes(failOn)) {
      throw new CliError(`--fail-on must be warn or critical, got "${failOn}"`, EXIT_CODES.usage);
    }
    const report = await checkHealth(await dataSource(), { schema: String(options.schema) });
    output.result(report, () => {
      output.table(report.checks, [
        { heading: 'CHECK', value: (c) => c.name },
        { heading: 'STATUS', value: (c) => c.status },
        { heading: 'SUMMARY', value: (c) => c.summary },
      ]);
      output.line(`overall: ${report.status}`);
    });
    const failing = report.status === 'critical' || (failOn === 'warn' && report.status === 'warn');
    return failing ? EXIT_CODES.unhealthy : EXIT_CODES.ok;
  },
};
