import { readFile } from 'node:fs/promises';

/** The part of a V8 `.cpuprofile` read here. */
interface CpuProfile {
  readonly nodes: ReadonlyArray<{
    readonly id: number;
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly lineNumber: number;
    };
  }>;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Self time of one function, or of one package. */
export interface ProfileEntry {
  readonly name: string;
  readonly ms: number;
  /** Share of the profile's busy time (all but idle), in percent. */
  readonly percent: number;
}

/** Where the busy time of a profiled loop went. */
export interface ProfileSummary {
  readonly busyMs: number;
  readonly idleMs: number;
  readonly byPackage: readonly ProfileEntry[];
  readonly topFrames: readonly ProfileEntry[];
}

const IDLE = '(idle)';

/**
 * Sums self time per function and per package (tessera's src, examples, each node_modules
 * package, node internals, V8 pseudo-frames such as the garbage collector).
 */
export async function summarizeProfile(path: string, top = 20): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(path, 'utf8')) as CpuProfile;
  const frameOf = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const frames = new Map<string, number>();
  const packages = new Map<string, number>();
  let idleUs = 0;
  let busyUs = 0;
  profile.samples.forEach((nodeId, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const frame = frameOf.get(nodeId);
    if (!frame) return;
    if (frame.functionName === IDLE) {
      idleUs += us;
      return;
    }
    busyUs += us;
    const where = packageOf(frame.url, frame.functionName);
    const name = `${frame.functionName || '(anonymous)'} ${where}${shortUrl(frame.url, frame.lineNumber)}`;
    frames.set(name, (frames.get(name) ?? 0) + us);
    packages.set(where, (packages.get(where) ?? 0) + us);
  });
  const entries = (map: Map<string, number>): ProfileEntry[] =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({ name, ms: us / 1000, percent: busyUs ? (100 * us) / busyUs : 0 }));
  return {
    busyMs: busyUs / 1000,
    idleMs: idleUs / 1000,
    byPackage: entries(packages),
    topFrames: entries(frames).slice(0, top),
  };
}

function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules !== -1) {
    const parts = url.slice(modules + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (url.startsWith('node:')) return 'node';
  if (url.includes('/src/')) return 'tessera';
  if (url.includes('/examples/')) return 'examples';
  if (url.includes('/bench/')) return 'bench';
  return url;
}

function shortUrl(url: string, line: number): string {
  if (!url) return '';
  const file = url.split('/').slice(-2).join('/');
  return ` ${file}:${line + 1}`;
}

/** The summary as markdown: busy time by package, then the top self-time frames. */
export function renderProfile(title: string, summary: ProfileSummary): string {
  const lines = [
    `**${title}**: ${summary.busyMs.toFixed(0)} ms busy on the JS thread, ` +
      `${summary.idleMs.toFixed(0)} ms idle (waiting for PostgreSQL).`,
    '',
    '| Self time by package | ms | % of busy |',
    '| --- | ---: | ---: |',
    ...summary.byPackage
      .slice(0, 12)
      .map((e) => `| ${e.name} | ${e.ms.toFixed(0)} | ${e.percent.toFixed(1)} |`),
    '',
    '| Top self-time frames | ms | % of busy |',
    '| --- | ---: | ---: |',
    ...summary.topFrames.map(
      (e) =>
        `| \`${e.name.replace(/\|/g, '\\|')}\` | ${e.ms.toFixed(0)} | ${e.percent.toFixed(1)} |`,
    ),
  ];
  return lines.join('\n');
}
