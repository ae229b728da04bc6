import type { Sector } from './aid-request.values';
import {
  CRITICAL_INFRASTRUCTURE,
  formatDuration,
  raisePriority,
  slaDeadlines,
  triage,
  type TriageConfig,
  type TriageInput,
} from './triage.policy';
import type { Priority } from '../../kernel/priority';
import type { SlaDurations } from '../../kernel/sla';

const S = 1_000;
const H = 3_600_000;
const D = 24 * H;

const defaults: TriageConfig = {
  sla: {
    1: { acknowledgeMs: 1 * H, decideMs: 24 * H },
    2: { acknowledgeMs: 4 * H, decideMs: 72 * H },
    3: { acknowledgeMs: 24 * H, decideMs: 7 * D },
    4: { acknowledgeMs: 5 * D, decideMs: 45 * D },
    5: { acknowledgeMs: 10 * D, decideMs: 90 * D },
  },
};

const short: SlaDurations = { acknowledgeMs: 2 * S, decideMs: 4 * S };
const shortConfig: TriageConfig = { sla: { 1: short, 2: short, 3: short, 4: short, 5: short } };

const filedAt = new Date('2026-11-28T10:00:00.000Z');

function incident(
  severity: 'low' | 'medium' | 'high' | 'critical',
  ongoing: boolean,
  sectors: readonly Sector[] = [],
): TriageInput {
  return {
    kind: 'incident_response',
    actionArea: 'countering_threats',
    amountRequested: 2_500_000n,
    filedAt,
    incident: { severity, ongoing, sectors },
    capacity: null,
  };
}

function capacity(actionArea: TriageInput['actionArea'], sectors: readonly Sector[] = []): TriageInput {
  return {
    kind: 'capacity_building',
    actionArea,
    amountRequested: 12_000_000n,
    filedAt,
    incident: null,
    capacity: { sectors, durationMonths: 18 },
  };
}

function at(ms: number): Date {
  return new Date(filedAt.getTime() + ms);
}

describe('triage: every row of the docs/api.md triage table', () => {
  it('incident, severity critical → rapid_response, priority 1', () => {
    const decision = triage(incident('critical', false, ['other']), defaults);
    expect(decision).toEqual({
      track: 'rapid_response',
      priority: 1,
      acknowledgeBy: at(1 * H),
      decideBy: at(24 * H),
      reasons: [
        'incident of severity critical: rapid response, priority 1',
        'priority 1 deadlines: acknowledge within 1 h, decide within 24 h',
      ],
    });
  });

  it('incident, severity high → rapid_response, priority 2', () => {
    const decision = triage(incident('high', true), defaults);
    expect(decision.track).toBe('rapid_response');
    expect(decision.priority).toBe(2);
    expect(decision.reasons).toEqual([
      'incident of severity high: rapid response, priority 2',
      'priority 2 deadlines: acknowledge within 4 h, decide within 72 h',
    ]);
  });

  it('incident, severity medium → rapid_response, priority 3', () => {
    const decision = triage(incident('medium', false, ['energy']), defaults);
    expect(decision.track).toBe('rapid_response');
    expect(decision.priority).toBe(3);
    expect(decision.reasons).toEqual([
      'incident of severity medium: rapid response, priority 3',
      'priority 3 deadlines: acknowledge within 24 h, decide within 7 d',
    ]);
  });

  it('incident, severity low, ongoing → rapid_response, priority 3', () => {
    const decision = triage(incident('low', true), defaults);
    expect(decision.track).toBe('rapid_response');
    expect(decision.priority).toBe(3);
    expect(decision.reasons).toEqual([
      'ongoing incident of severity low: rapid response, priority 3',
      'priority 3 deadlines: acknowledge within 24 h, decide within 7 d',
    ]);
  });

  it('incident, severity low, not ongoing → capacity_building, priority 4', () => {
    const decision = triage(incident('low', false), defaults);
    expect(decision.track).toBe('capacity_building');
    expect(decision.priority).toBe(4);
    expect(decision.reasons).toEqual([
      'incident of severity low that is no longer ongoing: capacity building, priority 4',
      'priority 4 deadlines: acknowledge within 5 d, decide within 45 d',
    ]);
  });

  it('capacity building with critical-infrastructure sectors → capacity_building, priority 4', () => {
    const decision = triage(capacity('partner_capacity', ['health', 'other', 'water', 'health']), defaults);
    expect(decision.track).toBe('capacity_building');
    expect(decision.priority).toBe(4);
    expect(decision.reasons).toEqual([
      'capacity building with critical-infrastructure sectors (health, water): capacity building, priority 4',
      'priority 4 deadlines: acknowledge within 5 d, decide within 45 d',
    ]);
  });

  it('capacity building with action area countering_threats → capacity_building, priority 4', () => {
    const decision = triage(capacity('countering_threats'), defaults);
    expect(decision.track).toBe('capacity_building');
    expect(decision.priority).toBe(4);
    expect(decision.reasons).toEqual([
      'capacity building with action area countering_threats: capacity building, priority 4',
      'priority 4 deadlines: acknowledge within 5 d, decide within 45 d',
    ]);
  });

  it('capacity building with both countering_threats and critical sectors names both grounds in one reason', () => {
    const decision = triage(capacity('countering_threats', ['telecom']), defaults);
    expect(decision.priority).toBe(4);
    expect(decision.reasons[0]).toBe(
      'capacity building with action area countering_threats and critical-infrastructure sectors (telecom): capacity building, priority 4',
    );
  });

  it('other capacity building → capacity_building, priority 5', () => {
    const decision = triage(capacity('data_governance', ['other']), defaults);
    expect(decision).toEqual({
      track: 'capacity_building',
      priority: 5,
      acknowledgeBy: at(10 * D),
      decideBy: at(90 * D),
      reasons: [
        'capacity building in action area data_governance without critical-infrastructure sectors: capacity building, priority 5',
        'priority 5 deadlines: acknowledge within 10 d, decide within 90 d',
      ],
    });
  });

  it('capacity building without a capacity section counts as having no sectors', () => {
    const decision = triage({ ...capacity('open_secure_ecosystem'), capacity: null }, defaults);
    expect(decision.priority).toBe(5);
  });

  it('refuses an incident request without its incident details', () => {
    expect(() => triage({ ...incident('high', true), incident: null }, defaults)).toThrow(TypeError);
  });
});

describe('triage: the critical-infrastructure step-up', () => {
  it('an ongoing incident hitting critical infrastructure gains one step, sectors in the order given, deduplicated', () => {
    const decision = triage(incident('high', true, ['government', 'other', 'energy', 'government']), defaults);
    expect(decision.track).toBe('rapid_response');
    expect(decision.priority).toBe(1);
    expect(decision.acknowledgeBy).toEqual(at(1 * H));
    expect(decision.decideBy).toEqual(at(24 * H));
    expect(decision.reasons).toEqual([
      'incident of severity high: rapid response, priority 2',
      'ongoing incident hitting critical infrastructure (government, energy): priority raised from 2 to 1',
      'priority 1 deadlines: acknowledge within 1 h, decide within 24 h',
    ]);
  });

  it('medium → 2 and low ongoing → 2', () => {
    expect(triage(incident('medium', true, ['finance']), defaults).priority).toBe(2);
    const low = triage(incident('low', true, ['transport']), defaults);
    expect(low.track).toBe('rapid_response');
    expect(low.priority).toBe(2);
    expect(low.reasons[1]).toBe('ongoing incident hitting critical infrastructure (transport): priority raised from 3 to 2');
  });

  it('never goes above priority 1', () => {
    const decision = triage(incident('critical', true, ['energy', 'health']), defaults);
    expect(decision.priority).toBe(1);
    expect(decision.reasons).toEqual([
      'incident of severity critical: rapid response, priority 1',
      'ongoing incident hitting critical infrastructure (energy, health): priority stays at 1, already the highest',
      'priority 1 deadlines: acknowledge within 1 h, decide within 24 h',
    ]);
  });

  it("'other' is not critical infrastructure", () => {
    const decision = triage(incident('high', true, ['other', 'other']), defaults);
    expect(decision.priority).toBe(2);
    expect(decision.reasons).toHaveLength(2);
    expect(decision.reasons.join(' ')).not.toContain('critical infrastructure');
  });

  it('a not-ongoing incident in critical sectors gets no step-up', () => {
    for (const severity of ['critical', 'high', 'medium', 'low'] as const) {
      const plain = triage(incident(severity, false), defaults);
      const inCritical = triage(incident(severity, false, ['energy', 'water']), defaults);
      expect(inCritical).toEqual(plain);
    }
    expect(triage(incident('low', false, ['energy']), defaults)).toMatchObject({ track: 'capacity_building', priority: 4 });
  });

  it('every sector but other is critical infrastructure', () => {
    expect([...CRITICAL_INFRASTRUCTURE].sort()).toEqual(['energy', 'finance', 'government', 'health', 'telecom', 'transport', 'water']);
    for (const sector of CRITICAL_INFRASTRUCTURE) {
      expect(triage(incident('high', true, [sector]), defaults).priority).toBe(1);
    }
  });

  it('is deterministic', () => {
    const input = incident('medium', true, ['water', 'energy', 'water']);
    expect(triage(input, defaults)).toEqual(triage(input, defaults));
  });
});

describe('SLA arithmetic', () => {
  const expected: readonly [Priority, number, number, string][] = [
    [1, 1 * H, 24 * H, 'priority 1 deadlines: acknowledge within 1 h, decide within 24 h'],
    [2, 4 * H, 72 * H, 'priority 2 deadlines: acknowledge within 4 h, decide within 72 h'],
    [3, 24 * H, 7 * D, 'priority 3 deadlines: acknowledge within 24 h, decide within 7 d'],
    [4, 5 * D, 45 * D, 'priority 4 deadlines: acknowledge within 5 d, decide within 45 d'],
    [5, 10 * D, 90 * D, 'priority 5 deadlines: acknowledge within 10 d, decide within 90 d'],
  ];

  it.each(expected)('priority %i with default durations', (priority, ack, decide) => {
    expect(slaDeadlines(filedAt, priority, defaults)).toEqual({ acknowledgeBy: at(ack), decideBy: at(decide) });
  });

  it('default deadlines are concrete instants', () => {
    expect(slaDeadlines(filedAt, 1, defaults)).toEqual({
      acknowledgeBy: new Date('2026-11-28T11:00:00.000Z'),
      decideBy: new Date('2026-11-29T10:00:00.000Z'),
    });
    expect(slaDeadlines(filedAt, 3, defaults)).toEqual({
      acknowledgeBy: new Date('2026-11-29T10:00:00.000Z'),
      decideBy: new Date('2026-12-05T10:00:00.000Z'),
    });
    expect(slaDeadlines(filedAt, 5, defaults)).toEqual({
      acknowledgeBy: new Date('2026-12-08T10:00:00.000Z'),
      decideBy: new Date('2027-02-26T10:00:00.000Z'),
    });
  });

  it('triage reports the deadlines of the final priority, with a readable reason', () => {
    const inputs: Record<Priority, TriageInput> = {
      1: incident('critical', false),
      2: incident('high', false),
      3: incident('medium', false),
      4: incident('low', false),
      5: capacity('partner_capacity'),
    };
    for (const [priority, ack, decide, reason] of expected) {
      const decision = triage(inputs[priority], defaults);
      expect(decision.priority).toBe(priority);
      expect(decision.acknowledgeBy).toEqual(at(ack));
      expect(decision.decideBy).toEqual(at(decide));
      expect(decision.reasons.at(-1)).toBe(reason);
    }
  });

  it.each([1, 2, 3, 4, 5] as const)('priority %i with short durations (2 s / 4 s)', (priority) => {
    expect(slaDeadlines(filedAt, priority, shortConfig)).toEqual({
      acknowledgeBy: new Date('2026-11-28T10:00:02.000Z'),
      decideBy: new Date('2026-11-28T10:00:04.000Z'),
    });
  });

  it('short durations reach the decision and its reason', () => {
    const decision = triage(incident('critical', true, ['energy']), shortConfig);
    expect(decision.acknowledgeBy).toEqual(new Date('2026-11-28T10:00:02.000Z'));
    expect(decision.decideBy).toEqual(new Date('2026-11-28T10:00:04.000Z'));
    expect(decision.reasons.at(-1)).toBe('priority 1 deadlines: acknowledge within 2 s, decide within 4 s');
  });

  it('keeps millisecond precision of filedAt', () => {
    const precise = new Date('2026-11-28T10:00:00.123Z');
    expect(slaDeadlines(precise, 1, shortConfig).acknowledgeBy.toISOString()).toBe('2026-11-28T10:00:02.123Z');
  });

  it('refuses an invalid filedAt or invalid durations', () => {
    expect(() => slaDeadlines(new Date(Number.NaN), 1, defaults)).toThrow(RangeError);
    const broken: TriageConfig = { sla: { ...defaults.sla, 2: { acknowledgeMs: Number.NaN, decideMs: 1 } } };
    expect(() => slaDeadlines(filedAt, 2, broken)).toThrow(RangeError);
  });

  it('does not mutate its inputs', () => {
    const before = filedAt.getTime();
    triage(incident('critical', true, ['energy']), defaults);
    expect(filedAt.getTime()).toBe(before);
  });
});

describe('raisePriority', () => {
  it.each([
    [5, 4],
    [4, 3],
    [3, 2],
    [2, 1],
    [1, 1],
  ] as const)('%i → %i', (from, to) => {
    expect(raisePriority(from)).toBe(to);
  });
});

describe('formatDuration', () => {
  it.each([
    [2 * S, '2 s'],
    [90 * S, '90 s'],
    [5 * 60 * S, '5 min'],
    [90 * 60 * S, '90 min'],
    [1 * H, '1 h'],
    [24 * H, '24 h'],
    [72 * H, '72 h'],
    [4 * D, '4 d'],
    [7 * D, '7 d'],
    [90 * D, '90 d'],
    [H + 30 * 60 * S + 15 * S, '1 h 30 min 15 s'],
    [1_500, '1 s 500 ms'],
    [150 * S, '2 min 30 s'],
    [100 * H, '4 d 4 h'],
    [365 * D, '365 d'],
    [250, '250 ms'],
    [0, '0 s'],
  ])('%i ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
