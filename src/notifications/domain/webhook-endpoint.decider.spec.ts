import { DeciderSpecification } from '@app/testing';
import type { WebhookEndpointCommand } from './webhook-endpoint.commands';
import { webhookEndpointDecider } from './webhook-endpoint.decider';
import type { WebhookEndpointEvent, WebhookEndpointRegistered } from './webhook-endpoint.events';
import { titleForMessage } from './webhook-title.policy';
import { endpointReceives } from './webhook-types';

const spec = DeciderSpecification.for(webhookEndpointDecider);
const now = new Date('2026-11-28T10:00:00Z');
const at = now.toISOString();
const E = '019ac9a0-0000-7000-8000-0000000000e1';
const cr = { sub: 'cr-csirt', role: 'partner', country: 'CR' };
const vn = { sub: 'vn-cert', role: 'partner', country: 'VN' };
const admin = { sub: 'fund-manager', role: 'admin' };
const officer = { sub: 'officer-1', role: 'officer' };
const system = { sub: 'system:webhooks', role: 'system' };

const register = (actor: object, scope: 'fund' | `country:${string}`, events?: string[]): WebhookEndpointCommand => ({
  type: 'RegisterWebhookEndpoint',
  data: { endpointId: E, scope, url: 'https://example.org/h', events, description: null, sealedSecret: 'v1.sealed' },
  context: { actor: actor as typeof admin, now },
});
const registered = (scope: 'fund' | `country:${string}` = 'country:CR', events = ['aid_request.filed']): WebhookEndpointRegistered => ({
  type: 'WebhookEndpointRegistered',
  data: { endpointId: E, scope, url: 'https://example.org/h', events, description: null, sealedSecret: 'v1.sealed', registeredBy: 'cr-csirt', registeredAt: at },
});
const command = (type: 'DeleteWebhookEndpoint', actor: object): WebhookEndpointCommand => ({ type, context: { actor: actor as typeof admin, now } });

describe('webhook endpoint decider', () => {
  it('registers a partner endpoint for its own country', () => {
    spec.given([]).when(register(cr, 'country:CR', ['aid_request.filed'])).then([registered()]);
  });

  it('gives an endpoint every type of its scope when none is listed', () => {
    const decision = webhookEndpointDecider.decide(register(admin, 'fund'), webhookEndpointDecider.initialState()) as WebhookEndpointEvent[];
    expect(decision[0]?.type === 'WebhookEndpointRegistered' && decision[0].data.events).toContain('alert.sla_breached');
  });

  it('refuses another country, alert types on a country scope, an empty list, and officers', () => {
    spec.given([]).when(register(cr, 'country:VN')).thenFails('webhook.invalid', (e) => expect(e.fieldProblems[0]?.field).toBe('scope'));
    spec.given([]).when(register(cr, 'country:CR', ['alert.sla_breached'])).thenFails('webhook.invalid', (e) => expect(e.fieldProblems[0]?.field).toBe('events'));
    spec.given([]).when(register(cr, 'country:CR', [])).thenFails('webhook.invalid');
    spec.given([]).when(register(officer, 'fund')).thenFails('webhook.not_permitted');
    spec.given([registered()]).when(register(cr, 'country:CR')).thenFails('webhook.already_registered');
  });

  it('deletes for its own country or an admin; another country finds nothing; a deleted endpoint is gone', () => {
    const deleted: WebhookEndpointEvent = { type: 'WebhookEndpointDeleted', data: { endpointId: E, deletedBy: 'cr-csirt', deletedAt: at } };
    spec.given([registered()]).when(command('DeleteWebhookEndpoint', cr)).then([deleted]);
    spec.given([registered()]).when(command('DeleteWebhookEndpoint', admin)).then([{ ...deleted, data: { ...deleted.data, deletedBy: 'fund-manager' } }]);
    spec.given([registered()]).when(command('DeleteWebhookEndpoint', vn)).thenFails('webhook.not_found');
    spec.given([registered()]).when(command('DeleteWebhookEndpoint', officer)).thenFails('webhook.not_permitted');
    spec.given([registered(), deleted]).when(command('DeleteWebhookEndpoint', cr)).thenFails('webhook.not_found');
  });

  it('rotates with an overlap, keeping the previous secret valid until then', () => {
    const rotate: WebhookEndpointCommand = { type: 'RotateWebhookSecret', data: { sealedSecret: 'v1.new', overlapMs: 3_600_000 }, context: { actor: cr, now } };
    const rotated: WebhookEndpointEvent = {
      type: 'WebhookSecretRotated',
      data: { endpointId: E, sealedSecret: 'v1.new', previousValidUntil: '2026-11-28T11:00:00.000Z', rotatedBy: 'cr-csirt', rotatedAt: at },
    };
    spec.given([registered()]).when(rotate).then([rotated]);
    const state = [registered(), rotated].reduce(webhookEndpointDecider.evolve, webhookEndpointDecider.initialState());
    expect(state.status !== 'none' && state.secrets).toEqual([
      { sealed: 'v1.new', validUntil: null },
      { sealed: 'v1.sealed', validUntil: '2026-11-28T11:00:00.000Z' },
    ]);
  });

  it('is disabled by the system (a 410), once; a disabled endpoint takes no test message', () => {
    const disable: WebhookEndpointCommand = { type: 'DisableWebhookEndpoint', data: { reason: '410 Gone' }, context: { actor: system, now } };
    const disabled: WebhookEndpointEvent = { type: 'WebhookEndpointDisabled', data: { endpointId: E, reason: '410 Gone', disabledAt: at } };
    spec.given([registered()]).when(disable).then([disabled]);
    spec.given([registered(), disabled]).when(disable).thenNothingHappens();
    spec.given([registered()]).when({ ...disable, context: { actor: cr, now } }).thenFails('webhook.not_permitted');
    spec.given([registered(), disabled]).when({ type: 'RequestWebhookTest', data: { deliveryId: 'msg_1' }, context: { actor: cr, now } }).thenFails('webhook.disabled');
  });
});

describe('who receives what', () => {
  it('sends a country’s request messages to its country endpoints and fund endpoints, alerts to fund endpoints only', () => {
    const crEndpoint = { scope: 'country:CR' as const, events: ['aid_request.filed', 'webhook.test'] };
    const fund = { scope: 'fund' as const, events: ['aid_request.filed', 'alert.sla_breached'] };
    expect(endpointReceives(crEndpoint, 'aid_request.filed', 'CR')).toBe(true);
    expect(endpointReceives(crEndpoint, 'aid_request.filed', 'VN')).toBe(false);
    expect(endpointReceives(crEndpoint, 'aid_request.triaged', 'CR')).toBe(false);
    expect(endpointReceives(fund, 'aid_request.filed', 'VN')).toBe(true);
    expect(endpointReceives(fund, 'alert.sla_breached', 'VN')).toBe(true);
    expect(endpointReceives({ scope: 'country:CR', events: ['alert.sla_breached'] }, 'alert.sla_breached', 'CR')).toBe(false);
  });

  it('lets a title out only for TLP CLEAR or GREEN, and treats an unmarked request as AMBER', () => {
    expect(titleForMessage('CLEAR', 'Ransomware')).toBe('Ransomware');
    expect(titleForMessage('GREEN', 'Ransomware')).toBe('Ransomware');
    expect(titleForMessage('AMBER', 'Ransomware')).toBeUndefined();
    expect(titleForMessage('AMBER+STRICT', 'Ransomware')).toBeUndefined();
    expect(titleForMessage('RED', 'Ransomware')).toBeUndefined();
    expect(titleForMessage(undefined, 'Ransomware')).toBeUndefined();
  });
});
