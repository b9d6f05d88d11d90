/**
 * Where a `node --cpu-prof` profile's time went: self time by package or Flowline module, and the
 * heaviest functions, as shares of the busy (non-idle) time.
 *
 *   BENCH_NODE_OPTIONS=--cpu-prof bash deploy/local/bench.sh ...   (writes CPU.*.cpuprofile)
 *   node dist/test/bench/profile-summary.js CPU.*.cpuprofile [top] [name,name,...] [from-to]
 *
 * With a window `from-to` (monotonic µs, as a benchmark prints it with `profileWindow`): only the
 * samples taken inside it, e.g. the dispatcher's run without the raw baseline around it.
 * With names: also the inclusive time (the function and everything it called) of every function
 * whose name or file contains one of them, e.g. `parseEvent,validateSync,JSON.parse,claim`.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** The package (`kafkajs`, `undici`, ...), Flowline module (`libs/kafka`, `services/dispatcher`) or runtime part of a frame. */
export function categoryOf(url: string, functionName: string): string {
  if (url === '') {
    if (functionName === '(garbage collector)') return '(gc)';
    if (functionName === '(idle)' || functionName === '(program)' || functionName === '(root)') return functionName;
    return '(native)';
  }
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (packageMatch) return packageMatch[1]!;
  const flowlineMatch = /dist\/((?:libs|services|test)\/[^/]+)/.exec(url);
  if (flowlineMatch) return flowlineMatch[1]!;
  if (url.startsWith('node:')) {
    const part = url.replace(/^node:(internal\/)?/, '').split('/')[0]!;
    return `node:${part}`;
  }
  return url;
}

function main(): void {
  const [file, topArgument] = process.argv.slice(2);
  if (!file) throw new Error('usage: profile-summary.js <file.cpuprofile> [top]');
  const top = Number(topArgument ?? 40);
  const inclusiveNames = (process.argv[4] ?? '').split(',').filter(Boolean);
  const [from, to] = (process.argv[5] ?? `0-${Number.MAX_SAFE_INTEGER}`).split('-').map(Number) as [number, number];
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    at += delta;
    if (at >= from && at <= to) selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  });
  const categories = new Map<string, number>();
  const functions = new Map<string, number>();
  let idle = 0;
  let total = 0;
  for (const [id, us] of selfUs) {
    const { callFrame } = byId.get(id)!;
    total += us;
    const category = categoryOf(callFrame.url, callFrame.functionName);
    if (category === '(idle)') {
      idle += us;
      continue;
    }
    categories.set(category, (categories.get(category) ?? 0) + us);
    const name = `${callFrame.functionName || '(anonymous)'} ${callFrame.url.replace(/^.*?(node_modules|dist)\//, '')}:${callFrame.lineNumber + 1}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
  }
  const busy = total - idle;
  // Inclusive time: every sample counts once for each name found on its stack.
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const inclusive = new Map<string, number>(inclusiveNames.map((name) => [name, 0]));
  if (inclusiveNames.length > 0) {
    for (const [id, us] of selfUs) {
      const found = new Set<string>();
      for (let current: number | undefined = id; current !== undefined; current = parentOf.get(current)) {
        const { callFrame } = byId.get(current)!;
        for (const name of inclusiveNames) {
          if (callFrame.functionName.includes(name) || callFrame.url.includes(name)) found.add(name);
        }
      }
      for (const name of found) inclusive.set(name, inclusive.get(name)! + us);
    }
  }
  const percent = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)} %`;
  console.log(
    `${file}: ${(total / 1e6).toFixed(1)} s sampled, busy ${(busy / 1e6).toFixed(1)} s (${((100 * busy) / total).toFixed(0)} %)`,
  );
  console.log('\nself time by package or module (share of busy time):');
  for (const [name, us] of [...categories].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${percent(us)}  ${(us / 1e3).toFixed(0).padStart(7)} ms  ${name}`);
  }
  console.log('\nheaviest functions (self time):');
  for (const [name, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${percent(us)}  ${(us / 1e3).toFixed(0).padStart(7)} ms  ${name}`);
  }
  if (inclusiveNames.length > 0) {
    console.log('\ninclusive time (share of busy time):');
    for (const [name, us] of inclusive) console.log(`${percent(us)}  ${(us / 1e3).toFixed(0).padStart(7)} ms  ${name}`);
  }
}

/**
 * Prints the monotonic window (µs, the clock of `--cpu-prof`'s timestamps) that `work` took, for
 * profile-summary's `from-to`, when the process is being profiled.
 */
export async function profileWindow<T>(name: string, work: () => Promise<T>): Promise<T> {
  if (!process.execArgv.some((option) => option.startsWith('--cpu-prof'))) return work();
  const from = process.hrtime.bigint() / 1000n;
  try {
    return await work();
  } finally {
    console.log(`    profile window ${name}: ${from}-${process.hrtime.bigint() / 1000n}`);
  }
}

if (require.main === module) main();
