import type { StreamAppend } from './event-store.types';

/**
 * Several single-stream appends, to distinct streams, in one statement: each stream's version is
 * checked (a new stream inserted, an existing one moved on from its expected version) and the
 * events of the streams that passed are inserted; a stream that did not pass inserts nothing and
 * returns no rows. New streams are inserted in stream-id order, as multi-stream appends lock them.
 * A unique violation (a reused event id) fails the whole statement; the caller then runs each
 * append alone to give each its own answer.
 */
export const APPEND_STREAMS_TOGETHER = {
  name: 'event_store_append_streams_together',
  text: `WITH input AS (
      SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[]) AS i(stream_id, stream_type, expected, next)),
    created AS (
      INSERT INTO streams (stream_id, stream_type, version)
      SELECT stream_id, stream_type, next FROM input WHERE expected = 0 ORDER BY stream_id
      ON CONFLICT (stream_id) DO NOTHING
      RETURNING stream_id),
    updated AS (
      UPDATE streams SET version = input.next, updated_at = now()
      FROM input
      WHERE input.expected > 0 AND streams.stream_id = input.stream_id AND streams.version = input.expected
      RETURNING streams.stream_id)
    INSERT INTO events (event_id, stream_id, stream_type, stream_version, event_type, event_version, data, metadata)
    SELECT e.event_id, e.stream_id, e.stream_type, e.stream_version, e.event_type, e.event_version, e.data, e.metadata
    FROM ROWS FROM (jsonb_to_recordset($5::jsonb)
           AS (event_id uuid, stream_id text, stream_type text, stream_version bigint, event_type text, event_version int, data jsonb, metadata jsonb))
         WITH ORDINALITY AS e(event_id, stream_id, stream_type, stream_version, event_type, event_version, data, metadata, ord)
    WHERE e.stream_id IN (SELECT stream_id FROM created UNION ALL SELECT stream_id FROM updated)
    ORDER BY e.ord
    RETURNING stream_id, global_position::text AS global_position, transaction_id::text AS transaction_id,
              stream_version::int AS stream_version, recorded_at`,
};

/** The parameters of APPEND_STREAMS_TOGETHER; `base` gives each append's expected version (0 for a new stream). */
export function appendStreamsTogetherValues(appends: readonly StreamAppend[], base: (append: StreamAppend) => number): unknown[] {
  const streams: [string[], string[], number[], number[]] = [[], [], [], []];
  const events: unknown[] = [];
  for (const append of appends) {
    const expected = base(append);
    streams[0].push(append.streamId);
    streams[1].push(append.streamType);
    streams[2].push(expected);
    streams[3].push(expected + append.events.length);
    append.events.forEach((event, i) => {
      events.push({
        event_id: event.eventId,
        stream_id: append.streamId,
        stream_type: append.streamType,
        stream_version: expected + i + 1,
        event_type: event.type,
        event_version: event.schemaVersion ?? 1,
        data: event.data,
        metadata: event.metadata ?? {},
      });
    });
  }
  // The events as one JSON array (jsonb_to_recordset): their payloads go as JSON, not as elements
  // of a text array that would have every quote in them escaped and unescaped again.
  return [...streams, JSON.stringify(events)];
}
