import type { AidRequestCommand } from './aid-request.commands';
import type { Decision } from './aid-request.decision';
import { AidRequestErrors } from './aid-request.errors';
import { fileAidRequest } from './aid-request-filing.decide';
import { autoTriage, checkSla, claim, flagPossibleDuplicate, overrideTriage, scoreCapacity } from './aid-request-assessment.decide';
import { approve, provideInformation, reject, requestInformation, withdraw } from './aid-request-review.decide';
import { disburseTranche, releaseTranche, reportProgress } from './aid-request-grant.decide';
import { attachDocument } from './aid-request-documents.decide';
import { erasePersonalData } from './aid-request-personal-data.decide';
import { approveAmendment, checkReports, proposeAmendment, rejectAmendment } from './aid-request-amendments.decide';
import type { AidRequestState } from './aid-request.state';

/**
 * The aid request's decisions, by command. Each phase of a request's life decides in a file of its
 * own: filing, assessment (triage, claim, SLA, duplicates, scoring), review (information, approval,
 * rejection, withdrawal) and the grant (tranches, reports).
 */
export function decideAidRequest(command: AidRequestCommand, state: AidRequestState): Decision {
  if (command.type === 'FileAidRequest') return fileAidRequest(command, state);
  if (state.status === 'none') return AidRequestErrors.notFound();
  switch (command.type) {
    case 'AutoTriage':
      return autoTriage(command, state);
    case 'OverrideTriage':
      return overrideTriage(command, state);
    case 'ClaimAidRequest':
      return claim(command, state);
    case 'CheckSla':
      return checkSla(command, state);
    case 'FlagPossibleDuplicate':
      return flagPossibleDuplicate(command, state);
    case 'ScoreCapacityRequest':
      return scoreCapacity(command, state);
    case 'RequestInformation':
      return requestInformation(command, state);
    case 'ProvideInformation':
      return provideInformation(command, state);
    case 'ApproveAidRequest':
      return approve(command, state);
    case 'RejectAidRequest':
      return reject(command, state);
    case 'WithdrawAidRequest':
      return withdraw(command, state);
    case 'ReleaseTranche':
      return releaseTranche(command, state);
    case 'DisburseTranche':
      return disburseTranche(command, state);
    case 'ReportProgress':
      return reportProgress(command, state);
    case 'AttachDocument':
      return attachDocument(command, state);
    case 'ErasePersonalData':
      return erasePersonalData(command, state);
    case 'ProposeAmendment':
      return proposeAmendment(command, state);
    case 'ApproveAmendment':
      return approveAmendment(command, state);
    case 'RejectAmendment':
      return rejectAmendment(command, state);
    case 'CheckReports':
      return checkReports(command, state);
    default: {
      const unknownCommand: never = command;
      return unknownCommand;
    }
  }
}
