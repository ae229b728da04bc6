import { toCentsString } from '../../kernel/money';
import type { DisburseTranche, ReleaseTranche, ReportProgress } from './aid-request.commands';
import { partnerOwns, type Decision } from './aid-request.decision';
import { AidRequestErrors } from './aid-request.errors';
import type { AidRequestEvent } from './aid-request.events';
import type { ExistingAidRequest } from './aid-request.state';
import { rulesFor } from './grant-risk.rules';
import { AmendmentErrors } from './amendment.errors';
import { isOpen } from './amendment.state';

/* The grant: tranches released and disbursed, progress reported, and the grant closed. */

export function releaseTranche(command: ReleaseTranche, state: ExistingAidRequest): Decision {
  const { actor, now } = command.context;
  if (actor.role !== 'officer') return AidRequestErrors.officerOnly('release a tranche');
  if (state.status !== 'approved') return AidRequestErrors.wrongStatus('release a tranche', state.status);
  const tranche = state.grant.tranches.find((t) => t.number === command.data.tranche);
  if (tranche === undefined) return AidRequestErrors.trancheUnknown(command.data.tranche);
  if (tranche.status !== 'pending') return AidRequestErrors.trancheState(tranche.number, `already ${tranche.status}`);
  // In order: tranche n after n − 1 was released; for a medium or high risk grant, after it was
  // disbursed and the partner reported progress since.
  const previous = state.grant.tranches.find((t) => t.number === tranche.number - 1);
  if (previous !== undefined) {
    if (previous.status === 'pending') return AidRequestErrors.trancheOrder(tranche.number);
    if (rulesFor(state.grant.dueDiligence).reportBeforeNextTranche && !(previous.status === 'disbursed' && previous.reportedSince)) {
      return AidRequestErrors.reportRequired(tranche.number);
    }
  }
  return [
    {
      type: 'TrancheReleased',
      data: {
        requestId: state.filed.requestId,
        tranche: tranche.number,
        amount: toCentsString(tranche.amount),
        fiscalYear: state.grant.fiscalYear,
        window: state.grant.window,
        releasedBy: actor.sub,
        releasedAt: now.toISOString(),
      },
    },
  ];
}

export function disburseTranche(command: DisburseTranche, state: ExistingAidRequest): Decision {
  const role = command.context.actor.role;
  if (role !== 'system' && role !== 'officer') return AidRequestErrors.officerOnly('disburse a tranche');
  if (state.status !== 'approved' && state.status !== 'closed') return AidRequestErrors.wrongStatus('disburse a tranche', state.status);
  const tranche = state.grant.tranches.find((t) => t.number === command.data.tranche);
  if (tranche === undefined) return AidRequestErrors.trancheUnknown(command.data.tranche);
  if (tranche.status === 'disbursed') return [];
  if (tranche.status !== 'released') return AidRequestErrors.trancheState(tranche.number, 'not released');
  return [
    {
      type: 'TrancheDisbursed',
      data: {
        requestId: state.filed.requestId,
        tranche: tranche.number,
        amount: toCentsString(tranche.amount),
        fiscalYear: state.grant.fiscalYear,
        window: state.grant.window,
        disbursedAt: command.context.now.toISOString(),
      },
    },
  ];
}

export function reportProgress(command: ReportProgress, state: ExistingAidRequest): Decision {
  const { actor, now } = command.context;
  if (!partnerOwns(command.context, state)) return AidRequestErrors.notFound();
  if (state.status !== 'approved') return AidRequestErrors.wrongStatus('report progress', state.status);
  const { summary, final } = command.data;
  const pending = state.grant.tranches.filter((t) => t.status !== 'disbursed').length;
  if (final && pending > 0) return AidRequestErrors.notAllDisbursed(pending);
  // Closing would strand an open amendment (and any increase a first approval reserved in the fund).
  const open = final ? state.grant.amendments.find(isOpen) : undefined;
  if (open !== undefined) return AmendmentErrors.openAtClose(open.id);
  const reported: AidRequestEvent = {
    type: 'ProgressReported',
    data: { requestId: state.filed.requestId, summary, final, reportedBy: actor.sub, reportedAt: now.toISOString() },
  };
  return final ? [reported, { type: 'GrantClosed', data: { requestId: state.filed.requestId, closedAt: now.toISOString() } }] : [reported];
}
