import { Injectable } from '@nestjs/common';
import { EventStore, fold } from '@app/event-store';
import type { PartnerStanding } from '../kernel/due-diligence';
import { standingOf } from './domain/due-diligence';
import { partnerDecider } from './domain/partner.decider';
import type { PartnerEvent } from './domain/partner.events';
import { partnerStreamId } from './domain/partner.values';
import type { PartnerView } from './projections/partner-view';
import { toPartnerView } from './projections/partner-view.projection';

/** Reads a partner's stream (short: one event per assessment) and folds it. */
@Injectable()
export class PartnerReader {
  constructor(private readonly eventStore: EventStore) {}

  async view(country: string): Promise<PartnerView> {
    const events = await this.eventStore.readStream(partnerStreamId(country));
    const state = fold(partnerDecider, events as unknown as PartnerEvent[]);
    return toPartnerView(country, state, events.at(-1)?.version ?? 0);
  }

  /** The partner's latest assessment, as an approval takes it (null before any). */
  async standing(country: string): Promise<PartnerStanding> {
    const events = await this.eventStore.readStream(partnerStreamId(country));
    return standingOf(fold(partnerDecider, events as unknown as PartnerEvent[]));
  }
}
