import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { serverCpuSeconds } from './process-cpu';

/** Times the measured loop of a workload, and nothing else. */
export type Measure = (loop: () => Promise<void>) => Promise<number>;

/** CPU seconds spent during the measured loop, on either side of the wire. */
export interface LoopCpu {
  /** This process (the contender's client: JavaScript, pg, libuv, the garbage collector). */
  readonly client: number;
  /** The whole PostgreSQL server, when its processes can be read (see process-cpu.ts). */
  readonly server?: number;
}

/**
 * Returns a {@link Measure} that times `loop` with `process.hrtime.bigint()` and returns seconds,
 * and remembers the CPU the loop cost (read with `cpu()` afterwards): CPU time per operation
 * holds still on a busy machine where wall time does not. With a `profilePath`, the V8 CPU
 * profiler runs around the loop alone (not the set-up) and its profile is written there; the
 * timing then includes the profiler's overhead.
 */
export function createMeasure(
  profilePath?: string,
  postmasterPid?: number,
): Measure & { cpu(): LoopCpu | undefined } {
  let cpu: LoopCpu | undefined;
  const measure = async (loop: () => Promise<void>): Promise<number> => {
    const session = profilePath ? new Session() : undefined;
    if (session) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 200 });
      await session.post('Profiler.start');
    }
    const serverBefore = serverCpuSeconds(postmasterPid);
    const clientBefore = process.cpuUsage();
    const start = process.hrtime.bigint();
    await loop();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const client = process.cpuUsage(clientBefore);
    const serverAfter = serverCpuSeconds(postmasterPid);
    cpu = {
      client: (client.user + client.system) / 1e6,
      server:
        serverBefore !== undefined && serverAfter !== undefined
          ? serverAfter - serverBefore
          : undefined,
    };
    if (session && profilePath) {
      const { profile } = await session.post('Profiler.stop');
      await writeFile(profilePath, JSON.stringify(profile));
      session.disconnect();
    }
    return seconds;
  };
  return Object.assign(measure, { cpu: () => cpu });
}
