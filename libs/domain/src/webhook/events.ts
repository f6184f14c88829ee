/**
 * Webhook subscriptions, as system events in one stream `webhook-subscriptions`: who asked for which events to be
 * sent where, and every change since (audit). The dispatcher process follows this stream for its configuration and
 * records a disablement here itself. Not published to any way out (a subscription is not a customer fact).
 */
export interface WebhookFilter {
  /** event types to send; null: all */
  types: string[] | null;
  /** stream categories (customer, deal, task, …); null: all */
  categories: string[] | null;
  /** only this customer's events; null: every customer's */
  customerId: string | null;
}

export type WebhookSubscriptionCreated = {
  type: 'WebhookSubscriptionCreated';
  data: { subscriptionId: string; url: string; filter: WebhookFilter; /** first global position sent (inclusive) */ fromPosition: number | null; description: string | null; occurredAt: string };
};
export type WebhookSubscriptionPaused = { type: 'WebhookSubscriptionPaused'; data: { subscriptionId: string; occurredAt: string } };
/** Resumed after a pause, or re-enabled after the dispatcher disabled it: delivery continues where it stopped. */
export type WebhookSubscriptionResumed = { type: 'WebhookSubscriptionResumed'; data: { subscriptionId: string; occurredAt: string } };
/** Recorded by the dispatcher when deliveries keep ending in the dead-letter list. */
export type WebhookSubscriptionDisabled = { type: 'WebhookSubscriptionDisabled'; data: { subscriptionId: string; reason: string; occurredAt: string } };
/** The signing secret is derived from a server key and this version; the previous version still signs for a grace period. */
export type WebhookSecretRotated = { type: 'WebhookSecretRotated'; data: { subscriptionId: string; secretVersion: number; occurredAt: string } };
/** Send again: every matching event from a position on, or the dead-lettered events. */
export type WebhookRedeliveryRequested = {
  type: 'WebhookRedeliveryRequested';
  data: { subscriptionId: string; requestId: string; fromPosition: number | null; deadLetters: boolean; occurredAt: string };
};
export type WebhookSubscriptionDeleted = { type: 'WebhookSubscriptionDeleted'; data: { subscriptionId: string; occurredAt: string } };

export type WebhookEvent =
  | WebhookSubscriptionCreated
  | WebhookSubscriptionPaused
  | WebhookSubscriptionResumed
  | WebhookSubscriptionDisabled
  | WebhookSecretRotated
  | WebhookRedeliveryRequested
  | WebhookSubscriptionDeleted;
