/**
 * One benchmark child: one (scenario, contender, round) in a fresh process, so that emmett's
 * process-wide pg type parsers touch nobody else and the peak RSS is this run's alone. Started
 * by bench/run.ts with the job as JSON in TESSERA_BENCH_JOB (not argv, which every local user
 * can read: the job holds the database URL and its password); reports a ChildResult over IPC.
 */
import 'reflect-metadata';
import { createDriver } from './drivers/create-driver';
import type { ChildResult, Job } from './job';
import { createMeasure } from './measure';
import { loadWorkload } from './workloads/workloads';

async function main(): Promise<void> {
  const job = JSON.parse(process.env.TESSERA_BENCH_JOB ?? '') as Job;
  const workload = await loadWorkload(job.workload);
  const driver = await createDriver(job.contender, job.databaseUrl, job.poolSize);
  try {
    const measure = createMeasure(job.profilePath, job.postmasterPid);
    const result = await workload(driver, job.params, measure);
    const report: ChildResult = {
      ...result,
      cpu: measure.cpu(),
      maxRssKb: process.resourceUsage().maxRSS,
    };
    await new Promise<void>((resolve, reject) =>
      process.send
        ? process.send(report, (e: Error | null) => (e ? reject(e) : resolve()))
        : resolve(),
    );
    if (!process.send) console.log(JSON.stringify(report));
  } finally {
    await driver.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
