import { median } from './median';
import { serverCpuSeconds } from './process-cpu';

/** One way of doing an operation (or the operation plus a part of tessera's work). */
export interface Variant {
  readonly label: string;
  readonly run: () => Promise<void>;
}

/** Microseconds per operation: wall clock, this process's CPU, the whole server's CPU. */
export interface Timing {
  readonly wall: number;
  readonly client: number;
  readonly server?: number;
}

/** Times `operations` runs of `variant` (see {@link Timing}). */
export async function timeSlice(
  variant: Variant,
  operations: number,
  postmaster: number | undefined,
): Promise<Timing> {
  const serverBefore = serverCpuSeconds(postmaster);
  const clientBefore = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < operations; i++) await variant.run();
  const wall = Number(process.hrtime.bigint() - start) / 1e3 / operations;
  const client = process.cpuUsage(clientBefore);
  const serverAfter = serverCpuSeconds(postmaster);
  return {
    wall,
    client: (client.user + client.system) / operations,
    server:
      serverBefore === undefined || serverAfter === undefined
        ? undefined
        : ((serverAfter - serverBefore) * 1e6) / operations,
  };
}

/**
 * `rounds` rounds of a slice of `operations` runs of every variant, the variants' order rotated
 * by one each round so none is always first; round 0 warms every path up (JIT, prepared
 * statements, pool connections) and is not kept. The timings per variant, in variant order.
 */
export async function timeRounds(
  variants: readonly Variant[],
  rounds: number,
  operations: number,
  postmaster: number | undefined,
): Promise<Timing[][]> {
  const times = variants.map(() => [] as Timing[]);
  for (let round = 0; round <= rounds; round++) {
    for (let k = 0; k < variants.length; k++) {
      const i = (k + round) % variants.length;
      const timing = await timeSlice(variants[i], operations, postmaster);
      if (round > 0) times[i].push(timing);
    }
  }
  return times;
}

/**
 * The markdown table of the variants' timings, the first variant as the baseline: medians of the
 * rounds for wall clock and client CPU, a mean over every round for the server (one round's
 * server CPU is a few 10 ms ticks), each also as a difference to the baseline.
 */
export function costTable(
  heading: string,
  variants: readonly Variant[],
  times: readonly (readonly Timing[])[],
  digits: number,
): string {
  const rows = variants.map((v, i) => {
    const server = times[i].map((t) => t.server);
    return {
      label: v.label,
      wall: median(times[i].map((t) => t.wall)),
      client: median(times[i].map((t) => t.client)),
      server: server.some((s) => s === undefined)
        ? undefined
        : (server as number[]).reduce((a, b) => a + b, 0) / server.length,
    };
  });
  const base = rows[0];
  const us = (v: number | undefined): string => (v === undefined ? '?' : v.toFixed(digits));
  const delta = (v: number | undefined, b: number | undefined): string =>
    v === undefined || b === undefined
      ? '?'
      : `${v - b >= 0 ? '+' : '−'}${Math.abs(v - b).toFixed(digits)}`;
  return [
    heading,
    '',
    '| Variant | wall µs | client CPU µs | Δ client | server CPU µs | Δ server |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.label} | ${us(r.wall)} | ${us(r.client)} | ${delta(r.client, base.client)} | ` +
        `${us(r.server)} | ${delta(r.server, base.server)} |`,
    ),
  ].join('\n');
}
