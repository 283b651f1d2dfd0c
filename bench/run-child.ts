import { fork } from 'node:child_process';
import type { ChildResult, Job } from './job';

/** A child gets this long before it is killed (the million-event scenario takes ~1 minute). */
const CHILD_TIMEOUT_MS = 15 * 60_000;

/** Runs one job in a fresh Node process and returns what it reported. */
export function runChild(childPath: string, job: Job): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = fork(childPath, [], {
      // Not in argv, which every local user can read: the job holds the database password.
      env: { ...process.env, TESSERA_BENCH_JOB: JSON.stringify(job) },
      execArgv: [...(job.nodeFlags ?? [])],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: ChildResult | undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.on('message', (message) => (result = message as ChildResult));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && result) resolve(result);
      else {
        reject(
          new Error(
            `${job.scenario}/${job.contender} child failed (exit ${code ?? signal}); see its output above`,
          ),
        );
      }
    });
  });
}
