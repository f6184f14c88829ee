import { Webhook } from 'standardwebhooks';
import { signatureHeaders, WebhookSecrets } from './signing';

const secrets = new WebhookSecrets(Buffer.alloc(32, 7));

describe('webhook signing (Standard Webhooks)', () => {
  it('derives a whsec_ secret per subscription and version, stable and distinct', () => {
    const a1 = secrets.secretFor('a', 1);
    expect(a1).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(secrets.secretFor('a', 1)).toBe(a1);
    expect(new Set([a1, secrets.secretFor('a', 2), secrets.secretFor('b', 1)]).size).toBe(3);
    expect(new WebhookSecrets(Buffer.alloc(32, 8)).secretFor('a', 1)).not.toBe(a1);
  });

  it('signs so that the off-the-shelf standardwebhooks library verifies, with either secret during a rotation', () => {
    const body = JSON.stringify({ type: 'CustomerRegistered', data: { name: 'Ĳsbrand Ørsted' } });
    const now = Math.floor(Date.now() / 1000);
    const headers = signatureHeaders([secrets.secretFor('a', 2), secrets.secretFor('a', 1)], 'evt-1', now, body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(secrets.secretFor('a', 2)).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(secrets.secretFor('a', 1)).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secrets.secretFor('b', 1)).verify(body, headers)).toThrow();
    expect(() => new Webhook(secrets.secretFor('a', 2)).verify(body.replace('Ørsted', 'Orsted'), headers)).toThrow();
  });
});
