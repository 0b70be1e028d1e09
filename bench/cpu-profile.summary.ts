import { readFileSync } from 'node:fs';

/** The parts of a V8 .cpuprofile this summary reads. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  module: string;
  /** Microseconds of self time. */
  us: number;
}

/** Self time per function and per module of one profile; `(idle)` is left out of `busyUs`. */
export interface ProfileSummary {
  wallUs: number;
  busyUs: number;
  functions: SelfTime[];
  modules: { module: string; us: number }[];
}

/**
 * Which part of the program a frame belongs to: an npm package, a folder of the mailroute bundle, a
 * part of Node itself, or V8's own entries (GC, native code without a script).
 */
export function moduleOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : 'V8 builtins';
  const packages = url.split('/node_modules/');
  if (packages.length > 1) {
    const [first, second] = packages.at(-1)!.split('/');
    return first.startsWith('@') ? `${first}/${second}` : first;
  }
  const bundle = /\/dist\/(.+)\.js$/.exec(url);
  if (bundle) return `mailroute ${bundle[1].includes('/') ? bundle[1].slice(0, bundle[1].indexOf('/') + 1) : bundle[1]}`;
  if (url.startsWith('node:')) {
    const [first] = url.slice('node:'.length).replace(/^internal\//, '').split('/');
    return `node:${first.replace(/^_/, '').replace(/_.*$/, '')}`;
  }
  return url;
}

export function summarise(file: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const selfUs = new Map<number, number>();
  // A sample's time is the gap to the next one.
  profile.samples.forEach((id, index) => {
    const us = profile.timeDeltas[index + 1] ?? 0;
    selfUs.set(id, (selfUs.get(id) ?? 0) + us);
  });
  const byFunction = new Map<string, SelfTime>();
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (us === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const module = moduleOf(url, functionName);
    const name = `${functionName || '(anonymous)'} ${url ? `${url.split('/').at(-1)}:${lineNumber + 1}` : ''}`.trim();
    const key = `${module} ${name}`;
    const entry = byFunction.get(key) ?? { name, module, us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
  }
  const functions = [...byFunction.values()].filter((f) => f.module !== '(idle)').sort((a, b) => b.us - a.us);
  const modules = new Map<string, number>();
  for (const f of functions) modules.set(f.module, (modules.get(f.module) ?? 0) + f.us);
  return {
    wallUs: profile.endTime - profile.startTime,
    busyUs: functions.reduce((sum, f) => sum + f.us, 0),
    functions,
    modules: [...modules].map(([module, us]) => ({ module, us })).sort((a, b) => b.us - a.us),
  };
}
