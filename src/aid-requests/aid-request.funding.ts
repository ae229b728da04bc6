import type { FundCommand } from '../funds/domain/fund.commands';
import type { AidRequestEvent } from './domain/aid-request.events';
import { fromCentsString } from '../kernel/money';
import type { CommandContext } from '../kernel/command-context';

/**
 * What a request's decision asks of the fund, decided in the same transaction: the first approval
 * commits the money, a rejection or withdrawal after a first approval releases it, a disbursed
 * tranche is paid out of the commitment. Undefined when the fund is not involved.
 */
export function fundCommandFor(events: readonly AidRequestEvent[], context: CommandContext): FundCommand | undefined {
  const grant = events.find((event) => event.type === 'GrantApproved');
  for (const event of events) {
    switch (event.type) {
      case 'ApprovalRecorded':
        // The first approval commits (alone, or reserving for a second officer); the second of
        // two confirms money the first already committed.
        if (!event.data.awaitingSecondApproval && grant !== undefined && grant.data.approvals.length > 1) return undefined;
        return {
          type: 'CommitFunds',
          data: { fiscalYear: event.data.fiscalYear, window: event.data.window, requestId: event.data.requestId, amount: fromCentsString(event.data.amountApproved) },
          context,
        };
      case 'AidRequestRejected':
      case 'AidRequestWithdrawn': {
        const released = event.data.released;
        if (released === null) return undefined;
        const reason = event.type === 'AidRequestRejected' ? 'rejected' : 'withdrawn';
        return { type: 'ReleaseCommitment', data: { fiscalYear: released.fiscalYear, requestId: event.data.requestId, reason }, context };
      }
      case 'AmendmentApproved': {
        // A cost increase commits its money with its first approval (alone, or reserving it for a
        // second officer); the second of two confirms money already committed.
        const { effect, awaitingSecondApproval, approvals, requestId } = event.data;
        if (effect.type !== 'cost_increase' || (!awaitingSecondApproval && approvals.length > 1)) return undefined;
        return { type: 'IncreaseCommitment', data: { fiscalYear: effect.fiscalYear, window: effect.window, requestId, amount: fromCentsString(effect.amount) }, context };
      }
      case 'AmendmentRejected': {
        const released = event.data.released;
        if (released === null) return undefined;
        return {
          type: 'ReduceCommitment',
          data: { fiscalYear: released.fiscalYear, requestId: event.data.requestId, amount: fromCentsString(released.amount), reason: 'amendment_rejected' },
          context,
        };
      }
      case 'TrancheDisbursed':
        return {
          type: 'DisburseFunds',
          data: { fiscalYear: event.data.fiscalYear, requestId: event.data.requestId, tranche: event.data.tranche, amount: fromCentsString(event.data.amount) },
          context,
        };
      default:
        break;
    }
  }
  return undefined;
}
