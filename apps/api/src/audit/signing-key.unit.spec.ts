import { signCheckpoint, verifyCheckpoint } from '@touchpoint/event-store';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSigningKey } from './signing-key';

describe('checkpoint signing key', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tp-signing-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('generates a development key once in the data dir (mode 0600) and reuses it', () => {
    const first = loadSigningKey({ TOUCHPOINT_DATA_DIR: dir });
    const again = loadSigningKey({ TOUCHPOINT_DATA_DIR: dir });
    expect(again.publicKeyPem).toBe(first.publicKeyPem);
    expect(statSync(join(dir, 'audit-signing-key.pem')).mode & 0o777).toBe(0o600);
    const signed = signCheckpoint(first.privateKey, { position: 7, headHash: 'a'.repeat(64), at: '2026-03-01T00:00:00.000Z' });
    expect(verifyCheckpoint(again.publicKeyPem, signed)).toBe(true);
    expect(verifyCheckpoint(again.publicKeyPem, { ...signed, headHash: 'b'.repeat(64) })).toBe(false);
  });

  it('takes a configured Ed25519 key as PEM text or as a file path, and refuses other key types', () => {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const file = join(dir, 'configured.pem');
    writeFileSync(file, pem);
    const fromText = loadSigningKey({ TOUCHPOINT_DATA_DIR: dir, TOUCHPOINT_AUDIT_SIGNING_KEY: pem });
    expect(loadSigningKey({ TOUCHPOINT_DATA_DIR: dir, TOUCHPOINT_AUDIT_SIGNING_KEY: file }).publicKeyPem).toBe(fromText.publicKeyPem);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => loadSigningKey({ TOUCHPOINT_DATA_DIR: dir, TOUCHPOINT_AUDIT_SIGNING_KEY: rsa })).toThrow(/Ed25519/);
  });
});
