import { readFileSync } from 'node:fs';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface TimeShare {
  readonly name: string;
  readonly ms: number;
  readonly share: number;
}

export interface CpuProfileSummary {
  readonly totalMs: number;
  readonly idleMs: number;
  readonly bySelfPackage: readonly TimeShare[];
  readonly bySelfFunction: readonly TimeShare[];
  readonly byInclusiveFunction: readonly TimeShare[];
}

/** Where a frame's code lives: an npm package, the app's own folders, Node itself, or V8 pseudo-frames. */
export function frameOwner(frame: CallFrame): string {
  const url = frame.url;
  if (url === '') return frame.functionName === '' ? '(anonymous)' : frame.functionName;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1] !== undefined) {
    // Report the last package on the path (nested node_modules).
    const all = [...url.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)];
    return all.at(-1)?.[1] ?? pkg[1];
  }
  const app = /\/dist\/((?:src|libs|bench)\/[^/]+)/.exec(url);
  if (app?.[1] !== undefined) return `app:${app[1]}`;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0] ?? ''}`;
  return url;
}

function frameName(frame: CallFrame): string {
  const file = frame.url === '' ? '' : ` ${frame.url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${frame.lineNumber + 1}`;
  return `${frame.functionName === '' ? '(anonymous)' : frame.functionName}${file}`;
}

function top(map: Map<string, number>, total: number, n: number): TimeShare[] {
  return [...map.entries()]
    .map(([name, ms]) => ({ name, ms, share: ms / total }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, n);
}

export function summarizeCpuProfile(path: string, topN = 30): CpuProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const totalUs = [...selfUs.values()].reduce((sum, us) => sum + us, 0);
  const selfPackage = new Map<string, number>();
  const selfFunction = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let idleUs = 0;

  const childIds = new Set(profile.nodes.flatMap((node) => node.children ?? []));
  const roots = profile.nodes.filter((node) => !childIds.has(node.id));
  // Depth-first with the distinct function names on the current stack, so recursion counts once.
  const onStack = new Map<string, number>();
  const visit = (node: ProfileNode): void => {
    const name = frameName(node.callFrame);
    onStack.set(name, (onStack.get(name) ?? 0) + 1);
    const us = selfUs.get(node.id) ?? 0;
    if (us > 0) {
      if (node.callFrame.functionName === '(idle)') idleUs += us;
      const owner = frameOwner(node.callFrame);
      selfPackage.set(owner, (selfPackage.get(owner) ?? 0) + us / 1000);
      selfFunction.set(name, (selfFunction.get(name) ?? 0) + us / 1000);
      for (const key of onStack.keys()) inclusive.set(key, (inclusive.get(key) ?? 0) + us / 1000);
    }
    for (const childId of node.children ?? []) {
      const child = byId.get(childId);
      if (child !== undefined) visit(child);
    }
    const count = onStack.get(name) ?? 1;
    if (count <= 1) onStack.delete(name);
    else onStack.set(name, count - 1);
  };
  for (const root of roots) visit(root);

  const totalMs = totalUs / 1000;
  return {
    totalMs,
    idleMs: idleUs / 1000,
    bySelfPackage: top(selfPackage, totalMs, topN),
    bySelfFunction: top(selfFunction, totalMs, topN),
    byInclusiveFunction: top(inclusive, totalMs, topN * 2),
  };
}

export function formatShares(title: string, shares: readonly TimeShare[]): string {
  const lines = shares.map((s) => `    ${(s.share * 100).toFixed(1).padStart(5)}%  ${s.ms.toFixed(0).padStart(7)} ms  ${s.name}`);
  return `  ${title}\n${lines.join('\n')}`;
}
