import type { MigrationInterface, QueryRunner } from 'typeorm';
import { WEBHOOK_ENDPOINT_PROJECT_FUNCTION } from '../src/notifications/webhooks/webhook-endpoint.projection';

/**
 * Webhook endpoints (a read model of their streams), their deliveries and every delivery attempt
 * (operational records, not events), and the alert e-mails.
 */
export class Webhooks1795852800200 implements MigrationInterface {
  name = 'Webhooks1795852800200';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE webhook_endpoints (
        id          uuid PRIMARY KEY,
        country     text,
        status      text NOT NULL,
        version     integer NOT NULL,
        view        jsonb NOT NULL,
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX webhook_endpoints_country_idx ON webhook_endpoints (country, id) WHERE status <> 'deleted'`);
    await db.query(WEBHOOK_ENDPOINT_PROJECT_FUNCTION);
    await db.query(`
      CREATE TABLE webhook_deliveries (
        id               text PRIMARY KEY,
        endpoint_id      uuid NOT NULL,
        event_id         uuid,
        type             text NOT NULL,
        request_id       uuid,
        position         bigint,
        body             text NOT NULL,
        status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
        series           integer NOT NULL DEFAULT 0,
        retry_event_id   uuid,
        attempts         integer NOT NULL DEFAULT 0,
        last_status_code integer,
        last_error       text,
        next_attempt_at  timestamptz,
        delivered_at     timestamptz,
        created_at       timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, created_at DESC, id DESC)`);
    await db.query(`CREATE INDEX webhook_deliveries_undelivered_idx ON webhook_deliveries (status, next_attempt_at) WHERE status <> 'delivered'`);
    await db.query(`
      CREATE TABLE webhook_delivery_attempts (
        id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        delivery_id  text NOT NULL,
        attempt      integer NOT NULL,
        outcome      text NOT NULL,
        status_code  integer,
        error        text,
        duration_ms  integer NOT NULL,
        attempted_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX webhook_delivery_attempts_delivery_idx ON webhook_delivery_attempts (delivery_id, id)`);
    await db.query(`
      CREATE TABLE alert_mails (
        id          text PRIMARY KEY,
        event_id    uuid NOT NULL,
        type        text NOT NULL,
        recipient   text NOT NULL,
        subject     text NOT NULL,
        body        text NOT NULL,
        status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
        attempts    integer NOT NULL DEFAULT 0,
        last_error  text,
        sent_at     timestamptz,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE alert_mails`);
    await db.query(`DROP TABLE webhook_delivery_attempts`);
    await db.query(`DROP TABLE webhook_deliveries`);
    await db.query(`DROP FUNCTION webhook_endpoint_project(jsonb)`);
    await db.query(`DROP TABLE webhook_endpoints`);
  }
}
