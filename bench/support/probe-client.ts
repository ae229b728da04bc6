import type { ChildService } from './child-service';
import { formatShares, summarizeCpuProfile } from './cpu-profile-summary';
import type { ProbeMessage, ProbeReply, ProbeReport } from './probe-preload';

/**
 * The benchmark's side of support/probe-preload.ts: opens and closes a measured window in a child
 * started with `-r probe-preload.js` and an IPC channel, and prints what the probe recorded.
 */
export function probeRequest(child: ChildService, message: ProbeMessage, expect: ProbeReply['probe']): Promise<ProbeReply> {
  return new Promise<ProbeReply>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.process.off('message', onMessage);
      reject(new Error(`${child.name}: no "${expect}" from the probe within 60 s`));
    }, 60_000);
    const onMessage = (reply: ProbeReply) => {
      if (reply.probe !== expect) return;
      clearTimeout(timer);
      child.process.off('message', onMessage);
      resolve(reply);
    };
    child.process.on('message', onMessage);
    child.process.send(message);
  });
}

export async function probeStart(child: ChildService): Promise<void> {
  await probeRequest(child, { probe: 'start' }, 'started');
}

/** Closes the window and returns the report lines: `units` is what the window's work is counted in (per event, per request). */
export async function probeStop(child: ChildService, window: string, units: number, unitName: string): Promise<string[]> {
  const reply = await probeRequest(child, { probe: 'stop' }, 'report');
  if (reply.probe !== 'report') return [];
  const report: ProbeReport = reply.report;
  const per = (n: number) => (n / Math.max(1, units)).toFixed(3);
  const lines = [
    `  [${child.name}] probe over ${window} (${(report.windowMs / 1000).toFixed(1)} s): event-loop utilisation ` +
      `${(report.eventLoopUtilization * 100).toFixed(0)}%, GC ${report.gcMs.toFixed(0)} ms in ${report.gcCount} pauses`,
    `  [${child.name}] pg: ${report.queries} queries = ${per(report.queries)} per ${unitName}; pool checkouts ${report.poolConnects}, ` +
      `mean wait for a pool connection ${report.poolWaitMeanMs.toFixed(2)} ms`,
    ...report.statements
      .slice(0, 12)
      .map((s) => `    ${String(s.count).padStart(7)} x ${s.meanMs.toFixed(2).padStart(7)} ms = ${s.totalMs.toFixed(0).padStart(6)} ms  ${s.statement}`),
  ];
  if (report.cpuProfile !== undefined) {
    const summary = summarizeCpuProfile(report.cpuProfile, 20);
    lines.push(`  [${child.name}] CPU profile ${report.cpuProfile}: ${summary.totalMs.toFixed(0)} ms sampled, ${summary.idleMs.toFixed(0)} ms idle`);
    lines.push(formatShares('self time by owner (package / app folder / V8):', summary.bySelfPackage));
    lines.push(formatShares('self time by function:', summary.bySelfFunction));
    lines.push(formatShares('inclusive time by function:', summary.byInclusiveFunction.slice(0, 30)));
  }
  return lines;
}
