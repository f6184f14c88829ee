import type { AggregateRunner } from '@touchpoint/application';
import { WEBHOOK_SUBSCRIPTIONS_STREAM } from '@touchpoint/domain';
import type { EventStore } from '@touchpoint/event-store';
import type { Clock, IdGenerator, TouchpointConfig } from '@touchpoint/platform';
import { HttpWebhookSender, WebhookDispatcher, type WebhookSender } from '@touchpoint/relay/webhooks';
import { webhookAggregate } from '../commands/aggregates';
import type { WebhookInfrastructure } from './webhooks.infrastructure';

/** The dispatcher as the configuration describes it, for the dispatcher process and the API's in-process option alike. */
export function createDispatcher(deps: {
  config: TouchpointConfig;
  store: EventStore;
  webhooks: WebhookInfrastructure;
  runner: AggregateRunner;
  clock: Clock;
  ids: IdGenerator;
  sender?: WebhookSender;
  log?: (fields: Record<string, unknown>) => void;
}): { dispatcher: WebhookDispatcher; sender: WebhookSender } {
  const { config } = deps;
  const sender = deps.sender ?? new HttpWebhookSender({ policy: deps.webhooks.policy, timeoutMs: config.TOUCHPOINT_WEBHOOK_TIMEOUT_MS, connectTimeoutMs: Math.min(5_000, config.TOUCHPOINT_WEBHOOK_TIMEOUT_MS) });
  const dispatcher = new WebhookDispatcher({
    store: deps.store,
    state: deps.webhooks.state,
    secrets: deps.webhooks.secrets,
    sender,
    clock: deps.clock,
    log: deps.log,
    settings: {
      horizonMs: config.TOUCHPOINT_WEBHOOK_RETRY_HORIZON_MINUTES * 60_000,
      concurrency: config.TOUCHPOINT_WEBHOOK_CONCURRENCY,
      disableAfter: config.TOUCHPOINT_WEBHOOK_DISABLE_AFTER,
      leaseTtlMs: config.TOUCHPOINT_WEBHOOK_LEASE_SECONDS * 1000,
    },
    record: async (command) => {
      const id = deps.ids.next();
      await deps.runner.execute(webhookAggregate, WEBHOOK_SUBSCRIPTIONS_STREAM, command, { actor: 'system:webhook-dispatcher', correlationId: id, causationId: id });
    },
  });
  return { dispatcher, sender };
}
