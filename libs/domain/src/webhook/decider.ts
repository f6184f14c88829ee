import type { Decider } from '../shared/decider';
import { conflict, notFound, ruleViolated } from '../shared/errors';
import type { WebhookEvent, WebhookFilter, WebhookRedeliveryRequested, WebhookSubscriptionCreated } from './events';

export const WEBHOOK_SUBSCRIPTIONS_STREAM = 'webhook-subscriptions';

export type CreateWebhookSubscription = { type: 'CreateWebhookSubscription'; data: WebhookSubscriptionCreated['data'] };
export type PauseWebhookSubscription = { type: 'PauseWebhookSubscription'; data: { subscriptionId: string; occurredAt: string } };
export type ResumeWebhookSubscription = { type: 'ResumeWebhookSubscription'; data: { subscriptionId: string; occurredAt: string } };
export type DisableWebhookSubscription = { type: 'DisableWebhookSubscription'; data: { subscriptionId: string; reason: string; occurredAt: string } };
export type RotateWebhookSecret = { type: 'RotateWebhookSecret'; data: { subscriptionId: string; occurredAt: string } };
export type RequestWebhookRedelivery = { type: 'RequestWebhookRedelivery'; data: WebhookRedeliveryRequested['data'] };
export type DeleteWebhookSubscription = { type: 'DeleteWebhookSubscription'; data: { subscriptionId: string; occurredAt: string } };
export type WebhookCommand =
  | CreateWebhookSubscription
  | PauseWebhookSubscription
  | ResumeWebhookSubscription
  | DisableWebhookSubscription
  | RotateWebhookSecret
  | RequestWebhookRedelivery
  | DeleteWebhookSubscription;

export type WebhookStatus = 'active' | 'paused' | 'disabled';

export interface WebhookSubscriptionState {
  subscriptionId: string;
  url: string;
  filter: WebhookFilter;
  fromPosition: number | null;
  description: string | null;
  status: WebhookStatus;
  disabledReason: string | null;
  secretVersion: number;
  /** when the current secret replaced the previous one (null: never rotated) */
  secretRotatedAt: string | null;
  createdAt: string;
  changedAt: string;
}

export interface WebhookSubscriptionsState {
  /** deleted subscriptions are removed */
  subscriptions: Record<string, WebhookSubscriptionState>;
}

/** Absolute http(s) URL without user info; anything else is refused with the field named. */
export function assertWebhookUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw ruleViolated('invalid_url', 'url must be an absolute http or https URL', 'url');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw ruleViolated('invalid_url', `url must use http or https, not ${parsed.protocol.replace(':', '')}`, 'url');
  if (parsed.username || parsed.password) throw ruleViolated('invalid_url', 'url must not carry credentials: receivers verify the signature instead', 'url');
}

const existing = (state: WebhookSubscriptionsState, id: string): WebhookSubscriptionState => {
  const found = state.subscriptions[id];
  if (!found) throw notFound('subscription_not_found', `no webhook subscription ${id}`, 'subscriptionId');
  return found;
};

const sameFilter = (a: WebhookFilter, b: WebhookFilter) => JSON.stringify(a) === JSON.stringify(b);

export function decideWebhook(command: WebhookCommand, state: WebhookSubscriptionsState): WebhookEvent[] {
  const { subscriptionId, occurredAt } = command.data;
  switch (command.type) {
    case 'CreateWebhookSubscription': {
      const { url, filter, fromPosition } = command.data;
      const current = state.subscriptions[subscriptionId];
      if (current) {
        if (current.url === url && sameFilter(current.filter, filter) && current.fromPosition === fromPosition) return [];
        throw conflict('subscription_exists', `webhook subscription ${subscriptionId} exists with other settings`, 'subscriptionId');
      }
      assertWebhookUrl(url);
      if (fromPosition !== null && (!Number.isSafeInteger(fromPosition) || fromPosition < 1)) throw ruleViolated('invalid_position', 'fromPosition must be a positive integer', 'fromPosition');
      return [{ type: 'WebhookSubscriptionCreated', data: command.data }];
    }
    case 'PauseWebhookSubscription': {
      const sub = existing(state, subscriptionId);
      if (sub.status === 'paused') return [];
      if (sub.status === 'disabled') throw conflict('subscription_disabled', `webhook subscription ${subscriptionId} is disabled (${sub.disabledReason}); resume it to re-enable`, 'subscriptionId');
      return [{ type: 'WebhookSubscriptionPaused', data: { subscriptionId, occurredAt } }];
    }
    case 'ResumeWebhookSubscription':
      return existing(state, subscriptionId).status === 'active' ? [] : [{ type: 'WebhookSubscriptionResumed', data: { subscriptionId, occurredAt } }];
    case 'DisableWebhookSubscription':
      return existing(state, subscriptionId).status === 'active' ? [{ type: 'WebhookSubscriptionDisabled', data: command.data }] : [];
    case 'RotateWebhookSecret':
      return [{ type: 'WebhookSecretRotated', data: { subscriptionId, secretVersion: existing(state, subscriptionId).secretVersion + 1, occurredAt } }];
    case 'RequestWebhookRedelivery': {
      existing(state, subscriptionId);
      const { fromPosition, deadLetters } = command.data;
      if ((fromPosition === null) === !deadLetters) throw ruleViolated('invalid_redelivery', 'give either fromPosition or deadLetters: true', 'fromPosition');
      if (fromPosition !== null && (!Number.isSafeInteger(fromPosition) || fromPosition < 1)) throw ruleViolated('invalid_position', 'fromPosition must be a positive integer', 'fromPosition');
      return [{ type: 'WebhookRedeliveryRequested', data: command.data }];
    }
    case 'DeleteWebhookSubscription':
      existing(state, subscriptionId);
      return [{ type: 'WebhookSubscriptionDeleted', data: { subscriptionId, occurredAt } }];
  }
}

const update = (state: WebhookSubscriptionsState, id: string, change: Partial<WebhookSubscriptionState>, at: string): WebhookSubscriptionsState => {
  const current = state.subscriptions[id];
  if (!current) return state;
  return { subscriptions: { ...state.subscriptions, [id]: { ...current, ...change, changedAt: at } } };
};

export function evolveWebhook(state: WebhookSubscriptionsState, event: WebhookEvent): WebhookSubscriptionsState {
  const { subscriptionId: id, occurredAt: at } = event.data;
  switch (event.type) {
    case 'WebhookSubscriptionCreated': {
      const { url, filter, fromPosition, description } = event.data;
      return {
        subscriptions: {
          ...state.subscriptions,
          [id]: { subscriptionId: id, url, filter, fromPosition, description, status: 'active', disabledReason: null, secretVersion: 1, secretRotatedAt: null, createdAt: at, changedAt: at },
        },
      };
    }
    case 'WebhookSubscriptionPaused':
      return update(state, id, { status: 'paused' }, at);
    case 'WebhookSubscriptionResumed':
      return update(state, id, { status: 'active', disabledReason: null }, at);
    case 'WebhookSubscriptionDisabled':
      return update(state, id, { status: 'disabled', disabledReason: event.data.reason }, at);
    case 'WebhookSecretRotated':
      return update(state, id, { secretVersion: event.data.secretVersion, secretRotatedAt: at }, at);
    case 'WebhookRedeliveryRequested':
      return state;
    case 'WebhookSubscriptionDeleted': {
      const { [id]: _deleted, ...rest } = state.subscriptions;
      return { subscriptions: rest };
    }
  }
}

export const webhookDecider: Decider<WebhookCommand, WebhookSubscriptionsState, WebhookEvent> = {
  decide: decideWebhook,
  evolve: evolveWebhook,
  initialState: () => ({ subscriptions: {} }),
};
