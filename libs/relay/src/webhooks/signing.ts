import type { KeyStore } from '@touchpoint/event-store';
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';

/** The key store subject of the key every webhook secret is derived from (a pseudo-subject beside the customers' keys). */
export const WEBHOOK_KEY_SUBJECT = 'webhook-signing:v1';

/**
 * Webhook signing secrets in the Standard Webhooks form (`whsec_` + base64 of 32 bytes), derived as
 * HMAC-SHA256(server key, subscription id + secret version). Nothing secret is stored in the event log: a rotation
 * records only the new version, and the API shows a secret once, when it is made.
 */
export class WebhookSecrets {
  private readonly key: KeyObject;

  constructor(key: Buffer) {
    this.key = createSecretKey(Buffer.from(key));
  }

  static async load(keys: KeyStore): Promise<WebhookSecrets> {
    const key = await keys.getOrCreate(WEBHOOK_KEY_SUBJECT);
    if (!key) throw new Error(`webhooks: the signing key ${WEBHOOK_KEY_SUBJECT} was destroyed`);
    return new WebhookSecrets(key);
  }

  secretFor(subscriptionId: string, version: number): string {
    return `whsec_${createHmac('sha256', this.key).update(`webhook\0${subscriptionId}\0${version}`, 'utf8').digest('base64')}`;
  }
}

/**
 * The Standard Webhooks headers for one attempt: `webhook-id` (stable across retries, for deduplication),
 * `webhook-timestamp` (seconds, this attempt) and `webhook-signature` (`v1,<base64 HMAC-SHA256>` over
 * `id.timestamp.body`, one per secret still valid, space-separated, so a receiver keeps verifying during a rotation).
 */
export function signatureHeaders(secrets: readonly string[], id: string, timestampSeconds: number, body: string): Record<string, string> {
  const content = `${id}.${timestampSeconds}.${body}`;
  const signatures = secrets.map((secret) => `v1,${createHmac('sha256', Buffer.from(secret.replace(/^whsec_/, ''), 'base64')).update(content, 'utf8').digest('base64')}`);
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampSeconds), 'webhook-signature': signatures.join(' ') };
}
