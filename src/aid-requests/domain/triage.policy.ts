/**
 * Triage: a pure, explainable policy (docs/api.md, "Triage (default configuration)").
 *
 * | input                                                                 | track             | priority |
 * |-----------------------------------------------------------------------|-------------------|----------|
 * | incident, severity `critical`                                         | rapid_response    | 1        |
 * | incident, severity `high`                                             | rapid_response    | 2        |
 * | incident, severity `medium`                                           | rapid_response    | 3        |
 * | incident, severity `low`, ongoing                                     | rapid_response    | 3        |
 * | incident, severity `low`, not ongoing                                 | capacity_building | 4        |
 * | capacity building with critical-infrastructure sectors or             | capacity_building | 4        |
 * |   action area `countering_threats`                                    |                   |          |
 * | other capacity building                                               | capacity_building | 5        |
 *
 * An ongoing incident that hits a critical-infrastructure sector (anything but `other`) gains one
 * priority step (never above 1). SLA deadlines run from `filedAt`, per priority, from configuration.
 * Every rule that fires adds one human-readable sentence to `reasons`, in the order applied.
 */
import type { ActionArea, RequestKind, Sector, Severity } from './aid-request.values';
import type { Priority } from '../../kernel/priority';
import type { SlaDurations } from '../../kernel/sla';
import type { Track } from '../../kernel/track';

export interface TriageInput {
  readonly kind: RequestKind;
  readonly actionArea: ActionArea;
  readonly amountRequested: bigint;
  readonly filedAt: Date;
  readonly incident: { readonly severity: Severity; readonly ongoing: boolean; readonly sectors: readonly Sector[] } | null;
  readonly capacity: { readonly sectors: readonly Sector[]; readonly durationMonths: number } | null;
}

export interface TriageConfig {
  readonly sla: Readonly<Record<Priority, SlaDurations>>;
}

export interface TriageDecision {
  readonly track: Track;
  readonly priority: Priority;
  readonly acknowledgeBy: Date;
  readonly decideBy: Date;
  readonly reasons: readonly string[];
}

/** Every sector except `other`, in the canonical sector order. */
export const CRITICAL_INFRASTRUCTURE: readonly Sector[] = Object.freeze([
  'energy',
  'health',
  'water',
  'finance',
  'telecom',
  'government',
  'transport',
] as const satisfies readonly Sector[]);

const SEVERITY_RULES: Readonly<Record<Severity, { readonly track: Track; readonly priority: Priority } | 'by_ongoing'>> = {
  critical: { track: 'rapid_response', priority: 1 },
  high: { track: 'rapid_response', priority: 2 },
  medium: { track: 'rapid_response', priority: 3 },
  low: 'by_ongoing',
};

/** The critical-infrastructure sectors among `sectors`, in the order given, without repeats. */
export function criticalSectors(sectors: readonly Sector[]): Sector[] {
  const seen = new Set<Sector>();
  const result: Sector[] = [];
  for (const sector of sectors) {
    if (seen.has(sector) || !CRITICAL_INFRASTRUCTURE.includes(sector)) continue;
    seen.add(sector);
    result.push(sector);
  }
  return result;
}

/** One step more urgent (5 → 4 … 2 → 1); 1 stays 1. */
export function raisePriority(priority: Priority): Priority {
  switch (priority) {
    case 1:
    case 2:
      return 1;
    case 3:
      return 2;
    case 4:
      return 3;
    case 5:
      return 4;
  }
}

export function slaDeadlines(filedAt: Date, priority: Priority, config: TriageConfig): { acknowledgeBy: Date; decideBy: Date } {
  const start = filedAt.getTime();
  if (!Number.isFinite(start)) throw new RangeError('slaDeadlines: filedAt is not a valid date');
  const durations = slaFor(priority, config);
  return { acknowledgeBy: new Date(start + durations.acknowledgeMs), decideBy: new Date(start + durations.decideMs) };
}

export function triage(input: TriageInput, config: TriageConfig): TriageDecision {
  const reasons: string[] = [];
  let track: Track;
  let priority: Priority;

  if (input.kind === 'incident_response') {
    const incident = input.incident;
    if (!incident) throw new TypeError('triage: an incident_response request must carry its incident details');
    const rule = SEVERITY_RULES[incident.severity];
    if (rule === 'by_ongoing') {
      if (incident.ongoing) {
        track = 'rapid_response';
        priority = 3;
        reasons.push(`ongoing incident of severity low: ${trackLabel(track)}, priority ${priority}`);
      } else {
        track = 'capacity_building';
        priority = 4;
        reasons.push(`incident of severity low that is no longer ongoing: ${trackLabel(track)}, priority ${priority}`);
      }
    } else {
      track = rule.track;
      priority = rule.priority;
      reasons.push(`incident of severity ${incident.severity}: ${trackLabel(track)}, priority ${priority}`);
    }

    const hit = criticalSectors(incident.sectors);
    if (incident.ongoing && hit.length > 0) {
      const raised = raisePriority(priority);
      reasons.push(
        raised === priority
          ? `ongoing incident hitting critical infrastructure (${hit.join(', ')}): priority stays at ${priority}, already the highest`
          : `ongoing incident hitting critical infrastructure (${hit.join(', ')}): priority raised from ${priority} to ${raised}`,
      );
      priority = raised;
    }
  } else {
    track = 'capacity_building';
    const hit = criticalSectors(input.capacity?.sectors ?? []);
    const countering = input.actionArea === 'countering_threats';
    if (hit.length > 0 || countering) {
      priority = 4;
      const grounds = [
        ...(countering ? ['action area countering_threats'] : []),
        ...(hit.length > 0 ? [`critical-infrastructure sectors (${hit.join(', ')})`] : []),
      ];
      reasons.push(`capacity building with ${grounds.join(' and ')}: ${trackLabel(track)}, priority ${priority}`);
    } else {
      priority = 5;
      reasons.push(
        `capacity building in action area ${input.actionArea} without critical-infrastructure sectors: ${trackLabel(track)}, priority ${priority}`,
      );
    }
  }

  const { acknowledgeBy, decideBy } = slaDeadlines(input.filedAt, priority, config);
  const durations = slaFor(priority, config);
  reasons.push(
    `priority ${priority} deadlines: acknowledge within ${formatDuration(durations.acknowledgeMs)}, decide within ${formatDuration(durations.decideMs)}`,
  );

  return { track, priority, acknowledgeBy, decideBy, reasons };
}

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * A duration for people: `1 h`, `24 h`, `72 h`, `7 d`, `90 min`, `2 s`. Whole days are shown as days
 * only beyond three days (so the defaults read as in docs/api.md); a duration no single unit divides
 * (with a number under 100) is spelled out in parts (`1 h 30 min 15 s`, `1 s 500 ms`).
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return `${ms} ms`;
  if (ms === 0) return '0 s';
  const useDays = ms > 3 * DAY;
  const units: readonly (readonly [number, string])[] = [
    ...(useDays ? ([[DAY, 'd']] as const) : []),
    [HOUR, 'h'],
    [MINUTE, 'min'],
    [SECOND, 's'],
  ];
  // Units run from the largest down, so the first that divides exactly is the largest that does;
  // a single unit reads well only while the number stays small (`90 min`, not `5415 s`).
  for (const [index, [size, label]] of units.entries()) {
    if (ms % size === 0 && (index === 0 || ms / size < 100)) return `${ms / size} ${label}`;
  }
  const parts: string[] = [];
  let rest = Math.round(ms);
  for (const [size, label] of units) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)} ${label}`);
      rest %= size;
    }
  }
  if (rest > 0) parts.push(`${rest} ms`);
  return parts.join(' ');
}

function slaFor(priority: Priority, config: TriageConfig): SlaDurations {
  const durations = config.sla[priority];
  if (
    !Number.isFinite(durations.acknowledgeMs) ||
    !Number.isFinite(durations.decideMs) ||
    durations.acknowledgeMs < 0 ||
    durations.decideMs < 0
  ) {
    throw new RangeError(`triage: the SLA durations for priority ${priority} are not valid`);
  }
  return durations;
}

function trackLabel(track: Track): string {
  return track === 'rapid_response' ? 'rapid response' : 'capacity building';
}
