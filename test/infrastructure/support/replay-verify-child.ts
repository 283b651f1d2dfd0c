/**
 * What a CI job runs: replay-verify against a database, the report's failures on stdout as
 * JSON, exit code 1 when a stream no longer loads (0 otherwise, 2 when it could not run).
 *
 * Usage: node -r ts-node/register test/infrastructure/support/replay-verify-child.ts <databaseUrl>
 */
import { createTesseraDataSource, verifyReplay } from '../../../src';
import { SnapAccount, UpcastAccount } from '../../support/upcast-account';

async function main(url: string): Promise<number> {
  const dataSource = createTesseraDataSource({ url, poolSize: 1 });
  await dataSource.initialize();
  try {
    const report = await verifyReplay(dataSource, { aggregates: [UpcastAccount, SnapAccount] });
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return report.ok ? 0 : 1;
  } finally {
    await dataSource.destroy();
  }
}

main(process.argv[2]).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exitCode = 2;
  },
);
