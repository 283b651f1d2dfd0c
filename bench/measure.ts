import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

/** Times the measured loop of a workload, and nothing else. */
export type Measure = (loop: () => Promise<void>) => Promise<number>;

/**
 * Returns a {@link Measure} that times `loop` with `process.hrtime.bigint()` and returns seconds.
 * With a `profilePath`, the V8 CPU profiler runs around the loop alone (not the set-up) and its
 * profile is written there; the timing then includes the profiler's overhead.
 */
export function createMeasure(profilePath?: string): Measure {
  return async (loop) => {
    const session = profilePath ? new Session() : undefined;
    if (session) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 200 });
      await session.post('Profiler.start');
    }
    const start = process.hrtime.bigint();
    await loop();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (session && profilePath) {
      const { profile } = await session.post('Profiler.stop');
      await writeFile(profilePath, JSON.stringify(profile));
      session.disconnect();
    }
    return seconds;
  };
}
