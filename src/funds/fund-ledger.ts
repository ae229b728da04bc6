import { Injectable } from '@nestjs/common';
import { DomainError, EventStore, fold, handleCommand, type EventMetadata, type LinkedDecision } from '@app/event-store';
import { IdGenerator } from '../common/ids';
import type { IdempotencyClaim } from '../common/idempotency/idempotency';
import { IdempotencyStore } from '../common/idempotency/idempotency.store';
import type { AllocateFunds, FundCommand } from './domain/fund.commands';
import { fundDecider } from './domain/fund.decider';
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
    const history = await this.eventStore.readStream(fundStreamId(fiscalYear));
    const version = history.at(-1)?.version ?? 0;
    const state = fold(fundDecider, history as unknown as Parameters<typeof fundDecider.evolve>[1][]);
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
