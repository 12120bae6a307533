// Summarises a V8 .cpuprofile (from `node --cpu-prof`): the functions with the
// most self time, and the most inclusive time, as percentages of all samples,
// so a benchmark run can say where the broker's CPU went without a browser.
// Usage: node --import tsx bench/profile-summary.ts [--top=N] FILE.cpuprofile...
// (one summary per file: a process writes one profile per thread)

import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^file:\/\//, '').replace(/^.*\/(src|node_modules)\//, '$1/');
  const name = functionName === '' ? '(anonymous)' : functionName;
  return file === '' ? name : `${name} ${file}:${lineNumber + 1}`;
}

function summarise(profile: CpuProfile, top: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  let totalUs = 0;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    totalUs += us;
    const node = byId.get(id)!;
    self.set(label(node), (self.get(label(node)) ?? 0) + us);
    // Count each label once per sample stack, so recursion is not counted twice.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const l = label(byId.get(at)!);
      if (seen.has(l)) continue;
      seen.add(l);
      inclusive.set(l, (inclusive.get(l) ?? 0) + us);
    }
  }
  const table = (title: string, m: Map<string, number>) =>
    [`${title} (of ${(totalUs / 1e6).toFixed(2)} s sampled)`]
      .concat(
        [...m.entries()]
          .sort((a, b) => b[1] - a[1])
          .slice(0, top)
          .map(([l, us]) => `${((100 * us) / totalUs).toFixed(1).padStart(5)}%  ${l}`),
      )
      .join('\n');
  return `${table('self time', self)}\n\n${table('inclusive time', inclusive)}\n`;
}

const args = process.argv.slice(2);
const topArg = args.find((a) => a.startsWith('--top='));
const files = args.filter((a) => !a.startsWith('--'));
if (files.length === 0) {
  console.error('usage: profile-summary.ts [--top=N] FILE.cpuprofile...');
  process.exit(1);
}
for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  process.stdout.write(`== ${file}\n${summarise(profile, Number(topArg?.slice(6) ?? '30'))}\n`);
}
