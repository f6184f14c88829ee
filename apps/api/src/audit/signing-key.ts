import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TouchpointConfig } from '@touchpoint/platform';

export interface SigningKey {
  privateKey: KeyObject;
  /** SPKI PEM, published for auditors */
  publicKeyPem: string;
}

/** The checkpoint signing key from configuration, or a development key generated once in the data dir. */
export function loadSigningKey(config: Pick<TouchpointConfig, 'TOUCHPOINT_AUDIT_SIGNING_KEY' | 'TOUCHPOINT_DATA_DIR'>): SigningKey {
  const configured = config.TOUCHPOINT_AUDIT_SIGNING_KEY;
  let pem: string;
  if (configured) {
    pem = configured.includes('-----BEGIN') ? configured : readFileSync(configured, 'utf8');
  } else {
    const file = join(config.TOUCHPOINT_DATA_DIR, 'audit-signing-key.pem');
    if (!existsSync(file)) {
      mkdirSync(config.TOUCHPOINT_DATA_DIR, { recursive: true });
      const { privateKey } = generateKeyPairSync('ed25519');
      try {
        writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // another process wrote it first: use that one
      }
    }
    pem = readFileSync(file, 'utf8');
  }
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`TOUCHPOINT_AUDIT_SIGNING_KEY must be an Ed25519 private key, got ${privateKey.asymmetricKeyType}`);
  return { privateKey, publicKeyPem: createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString() };
}
