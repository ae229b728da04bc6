import { DomainError, fold } from '@app/event-store/decider';
import fc from 'fast-check';
import type { TriageConfig } from './triage.policy';
import type { AidRequestCommand, ApprovalPolicy, FileAidRequest } from './aid-request.commands';
import { aidRequestDecider } from './aid-request.decider';
import type { AidRequestEvent } from './aid-request.events';
import type { AidRequestState, Tranche } from './aid-request.state';
import type { Severity } from './aid-request.values';
import type { Priority } from '../../kernel/priority';
import type { CommandContext } from '../../kernel/command-context';
import type { SlaDeadline } from '../../kernel/sla';
import type { Track } from '../../kernel/track';
import type { PartnerStanding } from '../../kernel/due-diligence';

/*
 * Model-based property test of the AidRequest decider's lifecycle (docs/api.md, "Aid requests").
 *
 * A request is filed (by the real FileAidRequest decision), then a random sequence of up to 40
 * steps of every command type is decided one by one against the folded state, from a small pool
 * of actors (three officers, two partners of the request's country, one of another country, the
 * system, an auditor), with amounts around the four-eyes threshold and random tranche numbers.
 * Refusals are ignored; accepted events are folded with evolve. After every step:
 *   (a) the status is one of the API statuses, and a change of status is one the API actions
 *       table allows, by the command that may take it (ALLOWED below, written out from docs/api.md);
 *       a decision that keeps the status is one of the commands that may act in that status;
 *   (b) four-eyes: an approval at or above the threshold names two distinct officers, both in its
 *       GrantApproved and in the ApprovalRecorded events of the history; below it, exactly one;
 *       every approver was an officer when it approved;
 *   (c) the tranches of a grant sum to amountApproved, keep their numbers (1..n) and amounts, and a
 *       tranche's status only moves pending → released → disbursed, one step at a time;
 *   (d) a closed request has every tranche disbursed;
 *   (e) due diligence (the partner's standing is drawn per run: none, expired, low, medium, high):
 *       a capacity-building grant was approved under a valid assessment, a grant without one is
 *       a rapid-response waiver, a high-risk grant has two approvers and no tranche above a quarter;
 *   (f) releases: no tranche is released before the one before it, and for a medium or high risk
 *       grant not before a ProgressReported recorded after the previous tranche's TrancheDisbursed
 *       (checked against the history of events, not the state's own bookkeeping).
 * Counters over all runs guard against a vacuous property (approvals, four-eyes approvals and
 * closings must actually happen in a meaningful share of the runs).
 */

const THRESHOLD = 25_000_000n;
const policy: ApprovalPolicy = { fourEyesThreshold: THRESHOLD, fiscalYearStartMonth: 10, highRiskMaxTranchePercent: 25 };
const H = 3_600_000;
const D = 24 * H;
const triageConfig: TriageConfig = {
  sla: {
    1: { acknowledgeMs: 1 * H, decideMs: 24 * H },
    2: { acknowledgeMs: 4 * H, decideMs: 72 * H },
    3: { acknowledgeMs: 24 * H, decideMs: 7 * D },
    4: { acknowledgeMs: 5 * D, decideMs: 45 * D },
    5: { acknowledgeMs: 10 * D, decideMs: 90 * D },
  },
};

const REQUEST_ID = '019ac9a0-0000-7000-8000-00000000f001';
const FILED_AT = new Date('2026-11-28T10:00:00.000Z');

// ---------------------------------------------------------------------------------------------
// The contract, written out from docs/api.md (not taken from the implementation).
// ---------------------------------------------------------------------------------------------

const API_STATUSES = [
  'submitted',
  'triaged',
  'under_review',
  'information_requested',
  'awaiting_second_approval',
  'approved',
  'rejected',
  'withdrawn',
  'closed',
] as const;
type ApiStatus = (typeof API_STATUSES)[number];
type CommandType = AidRequestCommand['type'];

const PRE_DECISION: readonly ApiStatus[] = ['submitted', 'triaged', 'under_review', 'information_requested', 'awaiting_second_approval'];

/** Status changes the actions table allows, each with the only commands that may take it. */
const ALLOWED = new Map<string, readonly CommandType[]>([
  ['submitted->triaged', ['AutoTriage', 'OverrideTriage']],
  ['triaged->under_review', ['ClaimAidRequest']],
  ['under_review->information_requested', ['RequestInformation']],
  ['information_requested->under_review', ['ProvideInformation']],
  ['under_review->awaiting_second_approval', ['ApproveAidRequest']],
  ['under_review->approved', ['ApproveAidRequest']],
  ['under_review->rejected', ['RejectAidRequest']],
  ['awaiting_second_approval->approved', ['ApproveAidRequest']],
  ['awaiting_second_approval->rejected', ['RejectAidRequest']],
  ...PRE_DECISION.map((from): [string, readonly CommandType[]] => [`${from}->withdrawn`, ['WithdrawAidRequest']]),
  ['approved->closed', ['ReportProgress']],
]);

/** Recording what happened without changing the status: triage/SLA bookkeeping and grant steps. */
const ASSESSMENT: readonly CommandType[] = ['CheckSla', 'FlagPossibleDuplicate', 'ScoreCapacityRequest'];
const SAME_STATUS: Readonly<Record<ApiStatus, readonly CommandType[]>> = {
  submitted: [],
  triaged: [...ASSESSMENT, 'OverrideTriage'],
  under_review: [...ASSESSMENT, 'OverrideTriage'],
  information_requested: ASSESSMENT,
  awaiting_second_approval: ASSESSMENT,
  approved: [...ASSESSMENT, 'ReleaseTranche', 'DisburseTranche', 'ReportProgress'],
  rejected: ASSESSMENT,
  withdrawn: [],
  closed: ASSESSMENT,
};

// ---------------------------------------------------------------------------------------------
// Actors and steps.
// ---------------------------------------------------------------------------------------------

type Actor = CommandContext['actor'];
const OFFICERS: readonly Actor[] = [
  { sub: 'officer-1', role: 'officer' },
  { sub: 'officer-2', role: 'officer' },
  { sub: 'officer-3', role: 'officer' },
];
const OWN_PARTNERS: readonly Actor[] = [
  { sub: 'cr-csirt', role: 'partner', country: 'CR' },
  { sub: 'cr-ministry', role: 'partner', country: 'CR' },
];
const OTHERS: readonly Actor[] = [
  { sub: 'pa-csirt', role: 'partner', country: 'PA' },
  { sub: 'system', role: 'system' },
  { sub: 'auditor-1', role: 'auditor' },
  // An officer's sub reused under another role must not count as that officer.
  { sub: 'officer-1', role: 'partner', country: 'PA' },
];
const ALL_ACTORS = [...OFFICERS, ...OWN_PARTNERS, ...OTHERS];

/** Mostly an actor who may do it, sometimes anyone. */
const actorMostly = (usual: readonly Actor[]) =>
  fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...usual) }, { weight: 1, arbitrary: fc.constantFrom(...ALL_ACTORS) });
const officer = actorMostly(OFFICERS);
const ownPartner = actorMostly(OWN_PARTNERS);
const anyone = fc.constantFrom(...ALL_ACTORS);

/** An approved amount, resolved against the state when the step runs. */
type AmountChoice =
  | { readonly kind: 'belowThreshold' | 'atThreshold' | 'aboveThreshold' | 'requested' | 'overRequested' | 'zero' | 'matchFirst' | 'firstPlusOne' }
  | { readonly kind: 'share'; readonly per10k: number };
type TrancheChoice = { readonly kind: 'default' } | { readonly kind: 'split'; readonly parts: number } | { readonly kind: 'offByOne' } | { readonly kind: 'empty' };
/** A tranche number: a fixed one (0..4, 0 and 4 mostly unknown), or the first pending / released, or the last pending (out of order). */
type TrancheRef = { readonly kind: 'number'; readonly n: number } | { readonly kind: 'firstPending' | 'firstReleased' | 'lastPending' };

type Step =
  | { readonly kind: 'AutoTriage'; readonly actor: Actor }
  | { readonly kind: 'OverrideTriage'; readonly actor: Actor; readonly track: Track; readonly priority: Priority }
  | { readonly kind: 'ClaimAidRequest'; readonly actor: Actor }
  | { readonly kind: 'CheckSla'; readonly deadline: SlaDeadline; readonly current: boolean }
  | { readonly kind: 'FlagPossibleDuplicate'; readonly actor: Actor; readonly self: boolean }
  | { readonly kind: 'ScoreCapacityRequest'; readonly windowAvailable: bigint | null }
  /** By the given actor, or (assigned) by the officer the request is assigned to. */
  | { readonly kind: 'RequestInformation'; readonly actor: Actor; readonly assigned: boolean }
  | { readonly kind: 'ProvideInformation'; readonly actor: Actor }
  | { readonly kind: 'ApproveAidRequest'; readonly actor: Actor; readonly amount: AmountChoice; readonly tranches: TrancheChoice }
  | { readonly kind: 'RejectAidRequest'; readonly actor: Actor }
  | { readonly kind: 'WithdrawAidRequest'; readonly actor: Actor }
  | { readonly kind: 'ReleaseTranche'; readonly actor: Actor; readonly tranche: TrancheRef }
  | { readonly kind: 'DisburseTranche'; readonly actor: Actor; readonly tranche: TrancheRef }
  | { readonly kind: 'ReportProgress'; readonly actor: Actor; readonly final: boolean }
  | { readonly kind: 'FileAidRequest'; readonly actor: Actor }
  /**
   * Whatever moves the request along the happy path from where it is (triage, claim, approve,
   * release, disburse, final report, answer), by a random officer or partner of the pool: keeps
   * the random sequences reaching approvals and closings often enough to mean something.
   */
  | {
      readonly kind: 'Advance';
      readonly officer: Actor;
      readonly partner: Actor;
      readonly amount: AmountChoice;
      readonly tranches: TrancheChoice;
      /** Reports before releasing the next tranche of a risky grant (else tries the release first). */
      readonly patient: boolean;
    };

interface TimedStep {
  readonly step: Step;
  /** How far the clock moves before the step. */
  readonly advanceMs: number;
}

const amountChoice: fc.Arbitrary<AmountChoice> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<AmountChoice>({ kind: 'belowThreshold' }, { kind: 'atThreshold' }, { kind: 'aboveThreshold' }) },
  { weight: 3, arbitrary: fc.constant<AmountChoice>({ kind: 'matchFirst' }) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 10_000 }).map((per10k): AmountChoice => ({ kind: 'share', per10k })) },
  { weight: 1, arbitrary: fc.constantFrom<AmountChoice>({ kind: 'requested' }, { kind: 'overRequested' }, { kind: 'zero' }, { kind: 'firstPlusOne' }) },
);
const trancheChoice: fc.Arbitrary<TrancheChoice> = fc.oneof(
  { weight: 5, arbitrary: fc.constant<TrancheChoice>({ kind: 'default' }) },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 3 }).map((parts): TrancheChoice => ({ kind: 'split', parts })) },
  { weight: 1, arbitrary: fc.constantFrom<TrancheChoice>({ kind: 'offByOne' }, { kind: 'empty' }) },
);
const trancheRef: fc.Arbitrary<TrancheRef> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 4 }).map((n): TrancheRef => ({ kind: 'number', n })) },
  { weight: 4, arbitrary: fc.constantFrom<TrancheRef>({ kind: 'firstPending' }, { kind: 'firstReleased' }, { kind: 'lastPending' }) },
);

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('AutoTriage' as const), actor: fc.constant(OTHERS[1] as Actor) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('OverrideTriage' as const),
      actor: officer,
      track: fc.constantFrom<Track>('rapid_response', 'capacity_building'),
      priority: fc.constantFrom<Priority>(1, 2, 3, 4, 5),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('ClaimAidRequest' as const), actor: officer }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('CheckSla' as const), deadline: fc.constantFrom<SlaDeadline>('acknowledge', 'decide'), current: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('FlagPossibleDuplicate' as const), actor: anyone, self: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('ScoreCapacityRequest' as const), windowAvailable: fc.option(fc.bigInt({ min: 0n, max: 100_000_000n })) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('RequestInformation' as const), actor: officer, assigned: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('ProvideInformation' as const), actor: ownPartner }) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('ApproveAidRequest' as const), actor: officer, amount: amountChoice, tranches: trancheChoice }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('RejectAidRequest' as const), actor: officer }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('WithdrawAidRequest' as const), actor: actorMostly([...OWN_PARTNERS, ...OTHERS]) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('ReleaseTranche' as const), actor: officer, tranche: trancheRef }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('DisburseTranche' as const), actor: actorMostly([OTHERS[1] as Actor]), tranche: trancheRef }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('ReportProgress' as const), actor: ownPartner, final: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('FileAidRequest' as const), actor: anyone }) },
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant('Advance' as const),
      officer: fc.constantFrom(...OFFICERS),
      partner: fc.constantFrom(...OWN_PARTNERS),
      amount: amountChoice,
      tranches: trancheChoice,
      patient: fc.boolean(),
    }),
  },
);

const timedStep: fc.Arbitrary<TimedStep> = fc.record({
  step,
  advanceMs: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 6 * H }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 10 * D }) }),
});

interface Filing {
  readonly kind: 'incident_response' | 'capacity_building';
  /** The partner's standing every approval of the run reads. */
  readonly partner: PartnerStanding;
  readonly severity: Severity;
  readonly amountRequested: bigint;
  /** Capacity building: the milestone weights (the amounts are the requested amount split by them). */
  readonly milestoneWeights: readonly number[];
}

const VALID_UNTIL = '2030-01-01T00:00:00.000Z';
const filing: fc.Arbitrary<Filing> = fc.record({
  kind: fc.constantFrom('incident_response' as const, 'capacity_building' as const),
  partner: fc.constantFrom<PartnerStanding>(
    null,
    { riskLevel: 'low', validUntil: '2026-01-01T00:00:00.000Z' },
    { riskLevel: 'low', validUntil: VALID_UNTIL },
    { riskLevel: 'medium', validUntil: VALID_UNTIL },
    { riskLevel: 'high', validUntil: VALID_UNTIL },
  ),
  severity: fc.constantFrom<Severity>('low', 'medium', 'high', 'critical'),
  amountRequested: fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom(THRESHOLD - 1n, THRESHOLD, THRESHOLD + 1n) },
    { weight: 4, arbitrary: fc.bigInt({ min: THRESHOLD, max: 4n * THRESHOLD }) },
    { weight: 1, arbitrary: fc.bigInt({ min: 1n, max: 4n * THRESHOLD }) },
  ),
  milestoneWeights: fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 4 }),
});

// ---------------------------------------------------------------------------------------------
// Turning steps into commands against the current state.
// ---------------------------------------------------------------------------------------------

function splitAmount(total: bigint, weights: readonly number[]): bigint[] {
  const sum = BigInt(weights.reduce((a, b) => a + b, 0));
  const parts = weights.map((w) => (total * BigInt(w)) / sum);
  const rest = total - parts.reduce((a, b) => a + b, 0n);
  parts[parts.length - 1] = (parts[parts.length - 1] ?? 0n) + rest;
  return parts;
}

function fileCommand(f: Filing, actor: Actor, now: Date): FileAidRequest {
  const common = {
    requestId: REQUEST_ID,
    title: 'Ransomware on customs and tax systems',
    description: 'Customs and tax systems encrypted; operations halted since this morning.',
    actionArea: 'countering_threats' as const,
    amountRequested: f.amountRequested,
  };
  const data: FileAidRequest['data'] =
    f.kind === 'incident_response'
      ? { ...common, kind: 'incident_response', incident: { severity: f.severity, ongoing: true, detectedAt: new Date(FILED_AT.getTime() - H), sectors: ['government'] } }
      : {
          ...common,
          kind: 'capacity_building',
          capacity: {
            durationMonths: 12,
            sectors: [],
            milestones: splitAmount(f.amountRequested, f.milestoneWeights).map((amount, i) => ({ title: `m${i + 1}`, amount })),
          },
        };
  return { type: 'FileAidRequest', data, context: { actor, now } };
}

function resolveAmount(choice: AmountChoice, state: AidRequestState): bigint {
  const requested = state.status === 'none' ? 1n : state.filed.amountRequested;
  const first = state.status === 'awaiting_second_approval' ? state.firstApproval.amountApproved : null;
  switch (choice.kind) {
    case 'belowThreshold':
      return THRESHOLD - 1n;
    case 'atThreshold':
      return THRESHOLD;
    case 'aboveThreshold':
      return THRESHOLD + 1n;
    case 'requested':
      return requested;
    case 'overRequested':
      return requested + 1n;
    case 'zero':
      return 0n;
    case 'matchFirst':
      return first ?? requested;
    case 'firstPlusOne':
      return (first ?? requested) + 1n;
    case 'share': {
      const share = (requested * BigInt(choice.per10k)) / 10_000n;
      return share > 0n ? share : 1n;
    }
  }
}

function resolveTranches(choice: TrancheChoice, amount: bigint): bigint[] | undefined {
  switch (choice.kind) {
    case 'default':
      return undefined;
    case 'split':
      return amount >= BigInt(choice.parts) ? splitAmount(amount, Array.from({ length: choice.parts }, () => 1)) : [amount];
    case 'offByOne':
      return [amount - 1n, 2n];
    case 'empty':
      return [];
  }
}

function resolveTranche(ref: TrancheRef, state: AidRequestState): number {
  if (ref.kind === 'number') return ref.n;
  const tranches: readonly Tranche[] = state.status === 'approved' || state.status === 'closed' ? state.grant.tranches : [];
  if (ref.kind === 'lastPending') return tranches.findLast((t) => t.status === 'pending')?.number ?? 1;
  const wanted = ref.kind === 'firstPending' ? 'pending' : 'released';
  return tranches.find((t) => t.status === wanted)?.number ?? 1;
}

function commandFor(step: Step, state: AidRequestState, f: Filing, now: Date): AidRequestCommand {
  const context = (actor: Actor): CommandContext => ({ actor, now });
  switch (step.kind) {
    case 'AutoTriage':
      return { type: 'AutoTriage', config: triageConfig, context: context(step.actor) };
    case 'OverrideTriage':
      return { type: 'OverrideTriage', data: { track: step.track, priority: step.priority, reason: 'second look' }, config: triageConfig, context: context(step.actor) };
    case 'ClaimAidRequest':
      return { type: 'ClaimAidRequest', context: context(step.actor) };
    case 'CheckSla': {
      const triage = 'assessment' in state && state.assessment !== null ? state.assessment.triage : null;
      const current = triage === null ? now.toISOString() : step.deadline === 'acknowledge' ? triage.acknowledgeBy : triage.decideBy;
      const dueAt = step.current ? current : new Date(Date.parse(current) - H).toISOString();
      return { type: 'CheckSla', data: { deadline: step.deadline, dueAt }, context: context(OTHERS[1] as Actor) };
    }
    case 'FlagPossibleDuplicate':
      return {
        type: 'FlagPossibleDuplicate',
        data: { duplicateOf: step.self ? REQUEST_ID : '019ac9a0-0000-7000-8000-00000000f002', reason: 'same title' },
        context: context(step.actor),
      };
    case 'ScoreCapacityRequest':
      return { type: 'ScoreCapacityRequest', data: { windowAvailable: step.windowAvailable }, context: context(OTHERS[1] as Actor) };
    case 'RequestInformation': {
      const assigned = 'assignedOfficer' in state ? state.assignedOfficer : null;
      const actor = step.assigned && assigned !== null ? { sub: assigned, role: 'officer' } : step.actor;
      return { type: 'RequestInformation', data: { question: 'Which systems?' }, context: context(actor) };
    }
    case 'ProvideInformation':
      return { type: 'ProvideInformation', data: { answer: 'Customs.' }, context: context(step.actor) };
    case 'ApproveAidRequest': {
      const amountApproved = resolveAmount(step.amount, state);
      return {
        type: 'ApproveAidRequest',
        data: { amountApproved, tranches: resolveTranches(step.tranches, amountApproved) },
        policy,
        partner: f.partner,
        context: context(step.actor),
      };
    }
    case 'RejectAidRequest':
      return { type: 'RejectAidRequest', data: { reason: 'no' }, context: context(step.actor) };
    case 'WithdrawAidRequest':
      return { type: 'WithdrawAidRequest', data: { reason: null }, context: context(step.actor) };
    case 'ReleaseTranche':
      return { type: 'ReleaseTranche', data: { tranche: resolveTranche(step.tranche, state) }, context: context(step.actor) };
    case 'DisburseTranche':
      return { type: 'DisburseTranche', data: { tranche: resolveTranche(step.tranche, state) }, context: context(step.actor) };
    case 'ReportProgress':
      return { type: 'ReportProgress', data: { summary: 'progress', final: step.final }, context: context(step.actor) };
    case 'FileAidRequest':
      return fileCommand(f, step.actor, now);
    case 'Advance':
      return commandFor(advance(step, state), state, f, now);
  }
}

function advance(step: Extract<Step, { kind: 'Advance' }>, state: AidRequestState): Step {
  switch (state.status) {
    case 'none':
    case 'submitted':
      return { kind: 'AutoTriage', actor: OTHERS[1] as Actor };
    case 'triaged':
      return { kind: 'ClaimAidRequest', actor: step.officer };
    case 'information_requested':
      return { kind: 'ProvideInformation', actor: step.partner };
    case 'under_review':
    case 'awaiting_second_approval':
      return { kind: 'ApproveAidRequest', actor: step.officer, amount: step.amount, tranches: step.tranches };
    case 'approved': {
      const tranches = state.grant.tranches;
      if (tranches.some((t) => t.status === 'released')) return { kind: 'DisburseTranche', actor: OTHERS[1] as Actor, tranche: { kind: 'firstReleased' } };
      const next = tranches.find((t) => t.status === 'pending');
      const previous = next && tranches.find((t) => t.number === next.number - 1);
      const risky = state.grant.dueDiligence === 'medium' || state.grant.dueDiligence === 'high';
      if (risky && step.patient && previous?.status === 'disbursed' && !previous.reportedSince) return { kind: 'ReportProgress', actor: step.partner, final: false };
      if (next !== undefined) return { kind: 'ReleaseTranche', actor: step.officer, tranche: { kind: 'firstPending' } };
      return { kind: 'ReportProgress', actor: step.partner, final: true };
    }
    case 'rejected':
    case 'withdrawn':
    case 'closed':
      return { kind: 'ReportProgress', actor: step.partner, final: true };
  }
}

// ---------------------------------------------------------------------------------------------
// The invariants.
// ---------------------------------------------------------------------------------------------

function statusOf(state: AidRequestState): ApiStatus {
  const status: string = state.status;
  if (!(API_STATUSES as readonly string[]).includes(status)) throw new Error(`(a) status ${status} is not an API status`);
  return status as ApiStatus;
}

const TRANCHE_ORDER: readonly Tranche['status'][] = ['pending', 'released', 'disbursed'];

function grantOf(state: AidRequestState) {
  return state.status === 'approved' || state.status === 'closed' ? state.grant : null;
}

interface History {
  readonly events: AidRequestEvent[];
  /** The role each approver had when its approval was accepted. */
  readonly approverRoles: string[];
  /** The due diligence of grants that released a tranche (for the non-vacuity counters). */
  readonly laterReleases: Set<string>;
}

function checkStep(before: AidRequestState, command: AidRequestCommand, events: readonly AidRequestEvent[], history: History, partner: PartnerStanding): AidRequestState {
  const from = statusOf(before);
  // Fold event by event: no intermediate status outside {from, to}.
  const states = events.reduce<AidRequestState[]>((acc, event) => [...acc, aidRequestDecider.evolve(acc[acc.length - 1] ?? before, event)], [before]);
  const after = states[states.length - 1] ?? before;
  const to = statusOf(after);
  for (const intermediate of states) {
    const status = statusOf(intermediate);
    if (status !== from && status !== to) throw new Error(`(a) ${command.type} passed through ${status} on its way from ${from} to ${to}`);
  }

  // (a) the transition is one the API table allows, by the right command.
  if (from === to) {
    if (!SAME_STATUS[from].includes(command.type)) {
      throw new Error(`(a) ${command.type} recorded ${events.map((e) => e.type).join(', ')} in ${from} without a transition the API allows`);
    }
  } else {
    const by = ALLOWED.get(`${from}->${to}`);
    if (by === undefined) throw new Error(`(a) ${from} → ${to} (by ${command.type}) is not in the API actions table`);
    if (!by.includes(command.type)) throw new Error(`(a) ${from} → ${to} taken by ${command.type}, the API allows only ${by.join('/')}`);
  }

  // (b) four-eyes.
  for (const event of events) {
    if (event.type === 'ApprovalRecorded') history.approverRoles.push(command.context.actor.role);
  }
  history.events.push(...events);
  const recorded = history.events.flatMap((e) => (e.type === 'ApprovalRecorded' ? [e] : []));
  if (history.approverRoles.some((role) => role !== 'officer')) throw new Error(`(b) an approval was accepted from a ${history.approverRoles.join('/')}`);
  if (to === 'awaiting_second_approval') {
    if (after.status !== 'awaiting_second_approval' || (after.firstApproval.amountApproved < THRESHOLD && after.firstApproval.dueDiligence !== 'high')) {
      throw new Error('(b) awaiting a second approval for an amount below the threshold, without high risk');
    }
    if (recorded.length !== 1) throw new Error(`(b) awaiting a second approval after ${recorded.length} approvals`);
  }
  const grant = grantOf(after);
  if (grant !== null) {
    const approvers = new Set(grant.approvals);
    if (approvers.size !== grant.approvals.length) throw new Error(`(b) repeated approver: ${grant.approvals.join(', ')}`);
    const recordedOfficers = new Set(recorded.map((e) => e.data.officer));
    if (recordedOfficers.size !== recorded.length) throw new Error(`(b) one officer recorded two approvals: ${recorded.map((e) => e.data.officer).join(', ')}`);
    if (grant.amountApproved >= THRESHOLD || grant.dueDiligence === 'high') {
      if (grant.approvals.length !== 2 || recorded.length !== 2) {
        throw new Error(`(b) ${grant.amountApproved} ≥ threshold approved by ${grant.approvals.join(', ')} (${recorded.length} ApprovalRecorded)`);
      }
    } else if (grant.approvals.length !== 1 || recorded.length !== 1) {
      throw new Error(`(b) ${grant.amountApproved} < threshold approved by ${grant.approvals.join(', ')} (${recorded.length} ApprovalRecorded)`);
    }
    if ([...recordedOfficers].sort().join() !== [...approvers].sort().join()) {
      throw new Error(`(b) GrantApproved names ${grant.approvals.join(', ')} but ApprovalRecorded names ${[...recordedOfficers].join(', ')}`);
    }
    for (const e of recorded) {
      if (e.data.amountApproved !== grant.amountApproved.toString()) throw new Error(`(b) an approval of ${e.data.amountApproved} confirmed a grant of ${grant.amountApproved}`);
    }
  }

  // (c) tranches.
  if (grant !== null) {
    const sum = grant.tranches.reduce((s, t) => s + t.amount, 0n);
    if (sum !== grant.amountApproved) throw new Error(`(c) tranches sum to ${sum}, approved ${grant.amountApproved}`);
    grant.tranches.forEach((t, i) => {
      if (t.number !== i + 1) throw new Error(`(c) tranche ${i + 1} is numbered ${t.number}`);
    });
    const previous = grantOf(before);
    if (previous === null) {
      if (grant.tranches.some((t) => t.status !== 'pending')) throw new Error('(c) a new grant has tranches that are not pending');
    } else {
      if (previous.tranches.length !== grant.tranches.length) throw new Error('(c) the number of tranches changed');
      grant.tranches.forEach((t, i) => {
        const old = previous.tranches[i];
        if (old === undefined || old.amount !== t.amount || old.number !== t.number) throw new Error(`(c) tranche ${t.number} changed its amount or number`);
        const step = TRANCHE_ORDER.indexOf(t.status) - TRANCHE_ORDER.indexOf(old.status);
        if (step !== 0 && step !== 1) throw new Error(`(c) tranche ${t.number} moved ${old.status} → ${t.status}`);
      });
    }
  }

  // (d) closed means fully disbursed.
  if (after.status === 'closed' && after.grant.tranches.some((t) => t.status !== 'disbursed')) {
    throw new Error('(d) a closed request has tranches not disbursed');
  }

  // (e) due diligence recorded on the grant, and what it implies.
  if (grant !== null && grantOf(before) === null) {
    const valid = partner !== null && Date.parse(partner.validUntil) > command.context.now.getTime() ? partner.riskLevel : null;
    const firstApprovedAt = recorded[0] === undefined ? command.context.now.getTime() : Date.parse(recorded[0].data.approvedAt);
    const validAtFirst = partner !== null && Date.parse(partner.validUntil) > firstApprovedAt ? partner.riskLevel : null;
    const expected = validAtFirst ?? 'waived_emergency';
    if (grant.dueDiligence !== expected) throw new Error(`(e) the grant records ${grant.dueDiligence}, the partner's standing at the first approval was ${expected} (now ${valid})`);
    if (grant.window === 'capacity_building' && grant.dueDiligence === 'waived_emergency') throw new Error('(e) a capacity-building grant approved without a valid assessment');
    if (grant.dueDiligence === 'high' && grant.tranches.some((t) => t.amount * 4n > grant.amountApproved)) throw new Error('(e) a high-risk grant has a tranche above a quarter');
  }

  // (f) releases in order, and after a report for medium and high risk.
  for (const event of events) {
    if (event.type !== 'TrancheReleased' || grant === null) continue;
    const n = event.data.tranche;
    const earlier = history.events.slice(0, history.events.length - events.length);
    if (n > 1 && !earlier.some((e) => e.type === 'TrancheReleased' && e.data.tranche === n - 1)) throw new Error(`(f) tranche ${n} released before tranche ${n - 1}`);
    if (n > 1 && (grant.dueDiligence === 'medium' || grant.dueDiligence === 'high')) {
      const disbursedAt = earlier.findIndex((e) => e.type === 'TrancheDisbursed' && e.data.tranche === n - 1);
      if (disbursedAt < 0) throw new Error(`(f) tranche ${n} of a ${grant.dueDiligence} risk grant released before tranche ${n - 1} was disbursed`);
      if (!earlier.slice(disbursedAt + 1).some((e) => e.type === 'ProgressReported')) throw new Error(`(f) tranche ${n} of a ${grant.dueDiligence} risk grant released without a report since tranche ${n - 1} was disbursed`);
    }
    history.laterReleases.add(grant.dueDiligence ?? 'none');
  }
  return after;
}

// ---------------------------------------------------------------------------------------------

const reached = { reportRequired: 0, trancheOrder: 0, riskyLaterRelease: 0, highRisk: 0, waived: 0, runs: 0, approved: 0, fourEyesApproved: 0, closed: 0, awaiting: 0, rejected: 0, withdrawn: 0, informationRequested: 0, secondBySameRefused: 0 };

describe('AidRequest decider: properties of any sequence of commands', () => {
  it('keeps to the API state machine, four-eyes, tranche order and closing rules', () => {
    fc.assert(
      fc.property(filing, fc.array(timedStep, { minLength: 1, maxLength: 40, size: 'max' }), (f, steps) => {
        const filed = aidRequestDecider.decide(fileCommand(f, OWN_PARTNERS[0] as Actor, FILED_AT), aidRequestDecider.initialState());
        if (filed instanceof DomainError) throw new Error(`filing refused: ${filed.code}`);
        const history: History = { events: [...filed], approverRoles: [], laterReleases: new Set() };
        const refusals = new Set<string>();
        let state = fold(aidRequestDecider, filed);
        let now = FILED_AT.getTime();
        const seen = new Set<string>([state.status]);
        let sameRefused = false;

        for (const { step: s, advanceMs } of steps) {
          now += advanceMs;
          const command = commandFor(s, state, f, new Date(now));
          const result = aidRequestDecider.decide(command, state);
          if (result instanceof DomainError) {
            if (result.code === 'aid_request.four_eyes') sameRefused = true;
            refusals.add(result.code);
            continue;
          }
          if (result.length === 0) continue;
          state = checkStep(state, command, result, history, f.partner);
          // The stream is a faithful record: folding the whole history gives the same state.
          expect(fold(aidRequestDecider, history.events)).toEqual(state);
          seen.add(state.status);
        }

        reached.runs += 1;
        if (seen.has('approved')) reached.approved += 1;
        const grant = grantOf(state);
        if (grant !== null && grant.approvals.length === 2) reached.fourEyesApproved += 1;
        if (seen.has('closed')) reached.closed += 1;
        if (seen.has('awaiting_second_approval')) reached.awaiting += 1;
        if (seen.has('rejected')) reached.rejected += 1;
        if (seen.has('withdrawn')) reached.withdrawn += 1;
        if (seen.has('information_requested')) reached.informationRequested += 1;
        if (sameRefused) reached.secondBySameRefused += 1;
        if (refusals.has('aid_request/report-required')) reached.reportRequired += 1;
        if (refusals.has('aid_request/tranche-order')) reached.trancheOrder += 1;
        if (history.laterReleases.has('medium') || history.laterReleases.has('high')) reached.riskyLaterRelease += 1;
        if (grant?.dueDiligence === 'high') reached.highRisk += 1;
        if (grant?.dueDiligence === 'waived_emergency') reached.waived += 1;
      }),
      { numRuns: 600 },
    );

    // Not vacuous: the runs reach every interesting status in a meaningful share.
    expect(reached.runs).toBeGreaterThanOrEqual(600);
    const share = (n: number) => n / reached.runs;
    expect(share(reached.approved)).toBeGreaterThan(0.25);
    expect(share(reached.fourEyesApproved)).toBeGreaterThan(0.1);
    expect(share(reached.closed)).toBeGreaterThan(0.05);
    expect(share(reached.awaiting)).toBeGreaterThan(0.15);
    expect(share(reached.secondBySameRefused)).toBeGreaterThan(0.05);
    expect(share(reached.rejected)).toBeGreaterThan(0.02);
    expect(share(reached.withdrawn)).toBeGreaterThan(0.02);
    expect(share(reached.informationRequested)).toBeGreaterThan(0.03);
    expect(share(reached.reportRequired)).toBeGreaterThan(0.01);
    expect(share(reached.trancheOrder)).toBeGreaterThan(0.01);
    expect(share(reached.riskyLaterRelease)).toBeGreaterThan(0.02);
    expect(share(reached.highRisk)).toBeGreaterThan(0.02);
    expect(share(reached.waived)).toBeGreaterThan(0.02);
  });
});
