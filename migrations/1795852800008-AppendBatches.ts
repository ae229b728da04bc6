import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Group commit: several independent appends (each with its effects) in one statement and one
 * transaction. Each runs in its own subtransaction, so one refused append (a version conflict,
 * a used idempotency key) rolls back alone and is reported in its rows; the others commit.
 */
export class AppendBatches1795852800008 implements MigrationInterface {
  name = 'AppendBatches1795852800008';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION event_store_append_batch(p_items jsonb)
      RETURNS TABLE (item integer, appended_stream_id text, appended_version bigint, appended_position bigint,
                     appended_transaction_id xid8, appended_recorded_at timestamptz,
                     error_code text, error_message text, error_detail text, error_constraint text)
      LANGUAGE plpgsql AS $$
      DECLARE
        v_item jsonb;
        v_index integer := 0;
        v_code text;
        v_message text;
        v_detail text;
        v_constraint text;
      BEGIN
        FOR v_item IN SELECT value FROM jsonb_array_elements(p_items) LOOP
          BEGIN
            -- The append's rows are materialised before any is returned: a failing append returns none.
            RETURN QUERY
              SELECT v_index, a.appended_stream_id, a.appended_version, a.appended_position, a.appended_transaction_id,
                     a.appended_recorded_at, NULL::text, NULL::text, NULL::text, NULL::text
              FROM event_store_append(v_item->'appends', v_item->'before', v_item->'after') a;
          EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS v_code = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT,
                                    v_detail = PG_EXCEPTION_DETAIL, v_constraint = CONSTRAINT_NAME;
            RETURN QUERY SELECT v_index, NULL::text, NULL::bigint, NULL::bigint, NULL::xid8, NULL::timestamptz,
                                v_code, v_message, v_detail, v_constraint;
          END;
          v_index := v_index + 1;
        END LOOP;
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION event_store_append_batch(jsonb)`);
  }
}
