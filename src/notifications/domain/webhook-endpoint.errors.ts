import { DomainError, type FieldProblem } from '@app/event-store/decider';

/** The stable codes of refusals by the webhook endpoint aggregate; each becomes a problem `type`. */
export const WebhookErrors = {
  invalid: (problems: readonly FieldProblem[]) => new DomainError('invalid', 'webhook.invalid', 'the webhook endpoint is not valid', problems),
  notPermitted: (role: string) => new DomainError('forbidden', 'webhook.not_permitted', `the role ${role} may not manage webhooks`),
  notFound: () => new DomainError('not_found', 'webhook.not_found', 'no such webhook endpoint'),
  alreadyRegistered: () => new DomainError('conflict', 'webhook.already_registered', 'this webhook endpoint already exists'),
  disabled: () =>
    new DomainError('conflict', 'webhook.disabled', 'the endpoint is disabled (its receiver answered 410 Gone); register it again to receive messages'),
};
