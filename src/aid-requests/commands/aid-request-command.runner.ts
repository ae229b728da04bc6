import { Injectable } from '@nestjs/common';
import { EventStore, handleCommand, type EventMetadata } from '@app/event-store';
import { AsyncMutex } from '../../common/async-mutex';
import { IdGenerator } from '../../common/ids';
import type { IdempotencyClaim } from '../../common/idempotency/idempotency';
import { IdempotencyStore } from '../../common/idempotency/idempotency.store';
import type { AidRequestCommand } from '../domain/aid-request.commands';
import { aidRequestDecider } from '../domain/aid-request.decider';
import { fundCommandFor } from '../domain/aid-request.funding';
import { FundLedger } from '../../funds/fund-ledger';
import { AID_REQUEST_STREAM_TYPE, aidRequestStreamId } from '../domain/aid-request.events';
import { isExisting, toAidRequestView, type AidRequestView } from '../projections/aid-request-view';
import { AidRequestViewProjection } from '../projections/aid-request-view.projection';

const MOVES_MONEY: ReadonlySet<AidRequestCommand['type']> = new Set(['ApproveAidRequest', 'RejectAidRequest', 'WithdrawAidRequest', 'DisburseTranche']);

/** Who acts: a verified caller, or the system itself (`system:<job>`) when a queue reacts to an event. */
export interface CommandActor {
  readonly sub: string;
  readonly role: string;
  readonly country?: string | undefined;
}

/** Ties the events back to what caused them: the HTTP request, or the event and job that reacted to it. */
export interface CommandTrace {
  readonly correlationId: string;
  readonly requestId?: string;
  readonly causationId?: string;
  readonly jobId?: string;
}

export interface RunOptions {
  readonly actor: CommandActor;
  readonly trace: CommandTrace;
  readonly idempotency?: IdempotencyClaim | undefined;
  /** A creation: the stream is not read first. */
  readonly expectNew?: boolean;
  /** If-Match: the stream version the caller acted on. */
  readonly ifMatch?: number | undefined;
}

/**
 * The one path by which a command reaches an aid request, from HTTP and from queue workers alike:
 * decide against the stream, append, project the view and record the idempotent response, all in
 * one transaction.
 */
@Injectable()
export class AidRequestCommandRunner {
  private readonly moneyLock = new AsyncMutex();

  constructor(
    private readonly eventStore: EventStore,
    private readonly ids: IdGenerator,
    private readonly projection: AidRequestViewProjection,
    private readonly idempotency: IdempotencyStore,
    private readonly fundLedger: FundLedger,
  ) {}

  async run(requestId: string, command: AidRequestCommand, options: RunOptions): Promise<AidRequestView> {
    // Commands that may move money all write to the fund stream: one at a time per process, so
    // that a burst of approvals queues instead of losing optimistic races to each other.
    return MOVES_MONEY.has(command.type) ? this.moneyLock.run(() => this.execute(requestId, command, options)) : this.execute(requestId, command, options);
  }

  private async execute(requestId: string, command: AidRequestCommand, options: RunOptions): Promise<AidRequestView> {
    const claim = options.idempotency;
    const metadata = this.metadata(options);
    let view: AidRequestView | undefined;
    try {
      await handleCommand(this.eventStore, aidRequestDecider, command, {
        streamId: aidRequestStreamId(requestId),
        streamType: AID_REQUEST_STREAM_TYPE,
        metadata,
        newEventId: () => this.ids.newId(),
        expectNew: options.expectNew === true,
        ifMatch: options.ifMatch,
        effects: (decided) => {
          if (!isExisting(decided.state)) throw new Error(`aid request ${requestId} has no state after ${command.type}`);
          view = toAidRequestView(decided.state, decided.version);
          return {
            before: claim ? [this.idempotency.claimEffect(claim)] : [],
            after: [
              ...(decided.events.length > 0 ? [this.projection.effect(view)] : []),
              ...(claim ? [this.idempotency.recordEffect(claim, view)] : []),
            ],
          };
        },
        // Money moves with the decision: the fund's events join the same append.
        link: (decided) => this.fundLedger.link(fundCommandFor(decided.events, command.context), metadata),
      });
    } catch (error) {
      throw this.idempotency.translate(error);
    }
    if (view === undefined) throw new Error(`aid request ${requestId}: no view after ${command.type}`);
    return view;
  }

  private metadata({ actor, trace }: RunOptions): EventMetadata {
    return {
      actor: actor.country === undefined ? { sub: actor.sub, role: actor.role } : { sub: actor.sub, role: actor.role, country: actor.country },
      correlationId: trace.correlationId,
      ...(trace.requestId === undefined ? {} : { requestId: trace.requestId }),
      ...(trace.causationId === undefined ? {} : { causationId: trace.causationId }),
      ...(trace.jobId === undefined ? {} : { jobId: trace.jobId }),
      commandId: this.ids.newId(),
    };
  }
}
