import { linkedCommand, type Aggregate } from '../commands/aggregate';
import { funds } from '../funds/fund.aggregate';
import { fundCommandFor } from './aid-request.funding';
import type { AidRequestCommand } from './domain/aid-request.commands';
import { aidRequestDecider } from './domain/aid-request.decider';
import { AID_REQUEST_FILED_SCHEMA_VERSION, AID_REQUEST_STREAM_TYPE, aidRequestStreamId, type AidRequestEvent } from './domain/aid-request.events';
import type { AidRequestState } from './domain/aid-request.state';
import type { AidRequestView } from './projections/aid-request-view';
import { aidRequestViewProjection } from './projections/aid-request-view.projection';

/** The commands that may move money: each may write the fund stream too. */
const MOVES_MONEY: ReadonlySet<AidRequestCommand['type']> = new Set([
  'ApproveAidRequest',
  'RejectAidRequest',
  'WithdrawAidRequest',
  'DisburseTranche',
  'ApproveAmendment',
  'RejectAmendment',
]);

/** An aid request (`aid-request-<uuid>`): its decider, its view, and the money its decisions move on the fund. */
export const aidRequests: Aggregate<AidRequestState, AidRequestCommand, AidRequestEvent, AidRequestView> = {
  streamType: AID_REQUEST_STREAM_TYPE,
  streamId: aidRequestStreamId,
  decider: aidRequestDecider,
  projection: aidRequestViewProjection,
  link: (events, command) => {
    const fundCommand = fundCommandFor(events, command.context);
    return fundCommand && linkedCommand(funds, String(fundCommand.data.fiscalYear), fundCommand);
  },
  // Commands that may move money all write one fund stream: one at a time per process.
  serializeBy: (command) => (MOVES_MONEY.has(command.type) ? 'fund' : undefined),
  schemaVersionOf: (type) => (type === 'AidRequestFiled' ? AID_REQUEST_FILED_SCHEMA_VERSION : 1),
};
