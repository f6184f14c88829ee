import { DomainError, webhookDecider, type DomainErrorKind, type WebhookCommand, type WebhookEvent } from '@touchpoint/domain';
import { DeciderSpecification } from '@touchpoint/testing/decider-specification';

const AT = '2026-03-02T10:00:00.000Z';
const ID = '0b9c8f5e-7a2d-4c1e-9f3a-1d2e3f4a5b6c';
const spec = DeciderSpecification.for(webhookDecider);
const domainError =
  (kind: DomainErrorKind, code: string, field?: string) =>
  (error: unknown): void => {
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ kind, code, ...(field !== undefined && { field }) });
  };
const createData = { subscriptionId: ID, url: 'https://hooks.example.com/tp', filter: { types: null, categories: ['customer'], customerId: null }, fromPosition: null, description: null, occurredAt: AT };
const created: WebhookEvent = { type: 'WebhookSubscriptionCreated', data: createData };
const cmd = (type: Exclude<WebhookCommand['type'], 'CreateWebhookSubscription' | 'RequestWebhookRedelivery' | 'DisableWebhookSubscription'>): WebhookCommand => ({ type, data: { subscriptionId: ID, occurredAt: AT } }) as WebhookCommand;
const paused: WebhookEvent = { type: 'WebhookSubscriptionPaused', data: { subscriptionId: ID, occurredAt: AT } };
const disabled: WebhookEvent = { type: 'WebhookSubscriptionDisabled', data: { subscriptionId: ID, reason: 'r', occurredAt: AT } };

describe('webhook subscriptions decider', () => {
  it('creates a subscription; the same again records nothing; other settings under the same id conflict', () => {
    spec.given([]).when({ type: 'CreateWebhookSubscription', data: createData }).then([created]);
    spec.given([created]).when({ type: 'CreateWebhookSubscription', data: createData }).then([]);
    spec.given([created]).when({ type: 'CreateWebhookSubscription', data: { ...createData, url: 'https://other.example.com/' } }).thenThrows(domainError('conflict', 'subscription_exists', 'subscriptionId'));
  });

  it('refuses a URL that is not http(s), is relative, or carries credentials', () => {
    for (const url of ['ftp://x.example.com/', 'not a url', '/relative', 'https://user:pw@x.example.com/'])
      spec.given([]).when({ type: 'CreateWebhookSubscription', data: { ...createData, url } }).thenThrows(domainError('rule_violated', 'invalid_url', 'url'));
  });

  it('pauses and resumes; a disabled subscription cannot be paused but resumes (re-enabled)', () => {
    spec.given([created]).when(cmd('PauseWebhookSubscription')).then([paused]);
    spec.given([created, paused]).when(cmd('PauseWebhookSubscription')).then([]);
    spec.given([created, paused]).when(cmd('ResumeWebhookSubscription')).then([{ type: 'WebhookSubscriptionResumed', data: { subscriptionId: ID, occurredAt: AT } }]);
    spec.given([created]).when(cmd('ResumeWebhookSubscription')).then([]);
    spec.given([created, disabled]).when(cmd('PauseWebhookSubscription')).thenThrows(domainError('conflict', 'subscription_disabled'));
    spec.given([created, disabled]).when(cmd('ResumeWebhookSubscription')).then([{ type: 'WebhookSubscriptionResumed', data: { subscriptionId: ID, occurredAt: AT } }]);
  });

  it('disables only an active subscription (the dispatcher may race a pause)', () => {
    const disable: WebhookCommand = { type: 'DisableWebhookSubscription', data: { subscriptionId: ID, reason: 'r', occurredAt: AT } };
    spec.given([created]).when(disable).then([disabled]);
    spec.given([created, paused]).when(disable).then([]);
  });

  it('rotates the secret to the next version', () => {
    const rotated = (v: number): WebhookEvent => ({ type: 'WebhookSecretRotated', data: { subscriptionId: ID, secretVersion: v, occurredAt: AT } });
    spec.given([created]).when(cmd('RotateWebhookSecret')).then([rotated(2)]);
    spec.given([created, rotated(2)]).when(cmd('RotateWebhookSecret')).then([rotated(3)]);
  });

  it('asks for redelivery from a position or of the dead letters, not both and not neither', () => {
    const ask = (fromPosition: number | null, deadLetters: boolean): WebhookCommand => ({ type: 'RequestWebhookRedelivery', data: { subscriptionId: ID, requestId: 'r1', fromPosition, deadLetters, occurredAt: AT } });
    spec.given([created]).when(ask(5, false)).then([{ type: 'WebhookRedeliveryRequested', data: { subscriptionId: ID, requestId: 'r1', fromPosition: 5, deadLetters: false, occurredAt: AT } }]);
    spec.given([created]).when(ask(null, true)).then([{ type: 'WebhookRedeliveryRequested', data: { subscriptionId: ID, requestId: 'r1', fromPosition: null, deadLetters: true, occurredAt: AT } }]);
    spec.given([created]).when(ask(5, true)).thenThrows(domainError('rule_violated', 'invalid_redelivery', 'fromPosition'));
    spec.given([created]).when(ask(null, false)).thenThrows(domainError('rule_violated', 'invalid_redelivery', 'fromPosition'));
  });

  it('deletes; a deleted or unknown subscription is not found for every command', () => {
    const deleted: WebhookEvent = { type: 'WebhookSubscriptionDeleted', data: { subscriptionId: ID, occurredAt: AT } };
    spec.given([created]).when(cmd('DeleteWebhookSubscription')).then([deleted]);
    for (const type of ['PauseWebhookSubscription', 'ResumeWebhookSubscription', 'RotateWebhookSecret', 'DeleteWebhookSubscription'] as const) {
      spec.given([created, deleted]).when(cmd(type)).thenThrows(domainError('not_found', 'subscription_not_found'));
      spec.given([]).when(cmd(type)).thenThrows(domainError('not_found', 'subscription_not_found'));
    }
  });
});
