import type { EventMetadata, RecordedEvent } from './event-store.types';
import type { UpcasterRegistry } from './upcasting/upcaster-registry';

/** The columns every read selects, in the shape `toRecordedEvent` expects. */
export const EVENT_COLUMNS = `global_position::text AS global_position, transaction_id::text AS transaction_id,
  event_id::text AS event_id, stream_id, stream_type, stream_version::int AS stream_version, event_type,
  event_version, data, metadata, recorded_at`;

/** What an append returns per event it inserted: which stream it went to, and where. */
export interface AppendedRow {
  stream_id: string;
  global_position: string;
  transaction_id: string;
  stream_version: number;
  recorded_at: Date;
}

export interface EventRow {
  global_position: string;
  transaction_id: string;
  event_id: string;
  stream_id: string;
  stream_type: string;
  stream_version: number;
  event_type: string;
  event_version: number;
  data: unknown;
  metadata: EventMetadata;
  recorded_at: Date;
}

export function toRecordedEvent(row: EventRow, upcasters: UpcasterRegistry): RecordedEvent {
  const { schemaVersion, data } = upcasters.upcast(row.event_type, row.event_version, row.data);
  return {
    position: Number(row.global_position),
    transactionId: row.transaction_id,
    eventId: row.event_id,
    streamId: row.stream_id,
    streamType: row.stream_type,
    version: row.stream_version,
    type: row.event_type,
    schemaVersion,
    data,
    metadata: row.metadata,
    recordedAt: row.recorded_at,
  };
}
