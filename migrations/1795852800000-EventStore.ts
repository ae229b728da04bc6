import type { MigrationInterface, QueryRunner } from 'typeorm';

export class EventStore1795852800000 implements MigrationInterface {
  name = 'EventStore1795852800000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE streams (
        stream_id   text PRIMARY KEY,
        stream_type text NOT NULL,
        version     bigint NOT NULL CHECK (version > 0),
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE events (
        global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        event_id        uuid NOT NULL,
        stream_id       text NOT NULL,
        stream_type     text NOT NULL,
        stream_version  bigint NOT NULL CHECK (stream_version > 0),
        event_type      text NOT NULL,
        event_version   integer NOT NULL DEFAULT 1 CHECK (event_version > 0),
        data            jsonb NOT NULL,
        metadata        jsonb NOT NULL DEFAULT '{}'::jsonb,
        recorded_at     timestamptz NOT NULL DEFAULT now(),
        transaction_id  xid8 NOT NULL DEFAULT pg_current_xact_id(),
        CONSTRAINT events_event_id_key UNIQUE (event_id),
        CONSTRAINT events_stream_version_key UNIQUE (stream_id, stream_version)
      )`);
    // The gap-safe reader's order and cursor.
    await db.query(`CREATE INDEX events_transaction_position_idx ON events (transaction_id, global_position)`);
    await db.query(`CREATE INDEX events_type_idx ON events (event_type, global_position)`);
    await db.query(`
      CREATE FUNCTION events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the event log is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await db.query(`
      CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
      FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change()`);
    await db.query(`
      CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
      FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change()`);
    // ALWAYS: still fires under session_replication_role = replica.
    await db.query(`ALTER TABLE events ENABLE ALWAYS TRIGGER events_append_only`);
    await db.query(`ALTER TABLE events ENABLE ALWAYS TRIGGER events_no_truncate`);
    await db.query(`
      CREATE TABLE consumer_checkpoints (
        consumer        text PRIMARY KEY,
        transaction_id  xid8 NOT NULL,
        global_position bigint NOT NULL,
        updated_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE idempotency_keys (
        actor        text NOT NULL,
        scope        text NOT NULL,
        key          text NOT NULL,
        request_hash text NOT NULL,
        response     jsonb NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (actor, scope, key)
      )`);
    await db.query(`CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE idempotency_keys`);
    await db.query(`DROP TABLE consumer_checkpoints`);
    await db.query(`DROP TABLE events`);
    await db.query(`DROP FUNCTION events_refuse_change()`);
    await db.query(`DROP TABLE streams`);
  }
}
