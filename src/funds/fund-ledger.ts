import { Injectable } from '@nestjs/common';
import { DomainError, EventStore, fold, handleCommand, type EventMetadata, type LinkedDecision } from '@app/event-store';
import { IdGenerator } from '../common/ids';
import type { IdempotencyClaim } from '../common/idempotency/idempotency';
import { IdempotencyStore } from '../common/idempotency/idempotency.store';
import type { AllocateFunds, FundCommand } from './domain/fund.commands';
import { fundDecider } from './domain/fund.decider';
import type { FundEvent } from './domain/fund.events';
import type { FundState } from './domain/fund.state';
import { FUND_STREAM_TYPE, fundStreamId } from './domain/fund.values';
import { toFundView, type FundView } from './projections/fund-view';
import { FundViewProjection } from './projections/fund-view.projection';

/**
 * The fund's side of every money movement. Commands on the fund alone (allocations) run here;
 * a request's decision that moves money links the fund's events into the request's append, so
 * both streams change in one transaction, each under its own expected version.
 */
@Injectable()
export class FundLedger {
  /**
   * The last fund state this process read, per stream: states are immutable values, so only the
   * events after the cached version are read and folded (a fund stream grows with every approval).
   */
  private readonly known = new Map<string, { readonly version: number; readonly state: FundState }>();

  constructor(
    private readonly eventStore: EventStore,
    private readonly ids: IdGenerator,
    private readonly projection: FundViewProjection,
    private readonly idempotency: IdempotencyStore,
  ) {}

  /** The fund's part in a request's decision; throws the fund's DomainError (e.g. insufficient funds) to refuse it. */
  async link(command: FundCommand | undefined, metadata: EventMetadata): Promise<LinkedDecision | undefined> {
    if (command === undefined) return undefined;
    const fiscalYear = command.data.fiscalYear;
    const { version, state } = await this.current(fiscalYear);
    const decision = fundDecider.decide(command, state);
    if (decision instanceof DomainError) throw decision;
    if (decision.length === 0) return undefined;
    const next = fold(fundDecider, decision, state);
    return {
      appends: [
        {
          streamId: fundStreamId(fiscalYear),
          streamType: FUND_STREAM_TYPE,
          expectedVersion: version === 0 ? 'no_stream' : version,
          events: decision.map((event) => ({ eventId: this.ids.newId(), type: event.type, data: event.data, metadata })),
        },
      ],
      effects: { after: [this.projection.effect(toFundView(fiscalYear, next, version + decision.length))] },
    };
  }

  private async current(fiscalYear: number): Promise<{ version: number; state: FundState }> {
    const streamId = fundStreamId(fiscalYear);
    const known = this.known.get(streamId) ?? { version: 0, state: fundDecider.initialState() };
    const newer = await this.eventStore.readStream(streamId, known.version + 1);
    if (newer.length === 0) return known;
    const current = { version: newer.at(-1)?.version ?? known.version, state: fold(fundDecider, newer as unknown as FundEvent[], known.state) };
    this.known.set(streamId, current);
    return current;
  }

  async allocate(command: AllocateFunds, metadata: EventMetadata, claim: IdempotencyClaim | undefined): Promise<FundView> {
    const fiscalYear = command.data.fiscalYear;
    let view: FundView | undefined;
    try {
      await handleCommand(this.eventStore, fundDecider, command, {
        streamId: fundStreamId(fiscalYear),
        streamType: FUND_STREAM_TYPE,
        metadata,
        newEventId: () => this.ids.newId(),
        effects: (decided) => {
          view = toFundView(fiscalYear, decided.state, decided.version);
          return {
            before: claim ? [this.idempotency.claimEffect(claim)] : [],
            after: [...(decided.events.length > 0 ? [this.projection.effect(view)] : []), ...(claim ? [this.idempotency.recordEffect(claim, view)] : [])],
          };
        },
      });
    } catch (error) {
      throw this.idempotency.translate(error);
    }
    if (view === undefined) throw new Error(`fund ${fiscalYear}: no view after allocation`);
    return view;
  }
}
