import type { Projection } from '../../commands/aggregate';
import type { WebhookEndpointState } from '../domain/webhook-endpoint.state';
import { scopeCountry } from '../domain/webhook-types';
import type { WebhookEndpointView } from './webhook-endpoint-view';

/** `webhook_endpoints`: each endpoint with its sealed secrets, kept by every append to its stream. */
export const webhookEndpointProjection: Projection<WebhookEndpointState, WebhookEndpointView> = {
  view: (id, state, version) => toView(id, state, version),
  effect: (view) => ({
    sql: 'SELECT webhook_endpoint_project($1)',
    arg: { id: view.id, version: view.version, country: scopeCountry(view.scope) ?? null, viewJson: JSON.stringify(view) },
  }),
};

/** The statement behind the effect above, installed by a migration. */
export const WEBHOOK_ENDPOINT_PROJECT_FUNCTION = `CREATE OR REPLACE FUNCTION webhook_endpoint_project(p jsonb) RETURNS void LANGUAGE plpgsql AS $$
DECLARE v jsonb := (p->>'viewJson')::jsonb;
BEGIN
  INSERT INTO webhook_endpoints (id, country, status, version, view)
  VALUES ((p->>'id')::uuid, p->>'country', v->>'status', (p->>'version')::integer, v)
  ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, version = EXCLUDED.version, view = EXCLUDED.view, updated_at = now()
  WHERE webhook_endpoints.version < EXCLUDED.version;
END $$`;

function toView(id: string, state: WebhookEndpointState, version: number): WebhookEndpointView {
  if (state.status === 'none') throw new Error(`webhook endpoint ${id} does not exist`);
  return {
    id,
    scope: state.scope,
    url: state.url,
    events: state.events,
    description: state.description,
    status: state.status,
    secrets: state.secrets,
    version,
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
  };
}
