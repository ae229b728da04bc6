import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { EventStore } from '@app/event-store';
import { aidRequestStreamId, type AidRequestFiled } from '../../domain/aid-request.events';
import { canSee } from '../visibility';
import { PersonalDataReader } from '../../../personal-data/personal-data-reader';
import { GetAidRequestTimelineQuery, type TimelineItem } from './get-aid-request-timeline.query';

@QueryHandler(GetAidRequestTimelineQuery)
export class GetAidRequestTimelineHandler implements IQueryHandler<GetAidRequestTimelineQuery, readonly TimelineItem[] | undefined> {
  constructor(
    private readonly eventStore: EventStore,
    private readonly personalData: PersonalDataReader,
  ) {}

  async execute({ id, actor }: GetAidRequestTimelineQuery): Promise<readonly TimelineItem[] | undefined> {
    const events = await this.eventStore.readStream(aidRequestStreamId(id));
    const filed = events[0];
    if (filed === undefined || filed.type !== 'AidRequestFiled') return undefined;
    if (!canSee(actor, (filed.data as AidRequestFiled['data']).country)) return undefined;
    const items = events.map((event) => ({
      position: event.position,
      version: event.version,
      type: event.type,
      schemaVersion: event.schemaVersion,
      data: event.data,
      metadata: event.metadata,
      recordedAt: event.recordedAt.toISOString(),
    }));
    // The filing's contact shown decrypted (or erased) to this caller, who may read the request.
    return this.personalData.showTimeline(id, items);
  }
}
