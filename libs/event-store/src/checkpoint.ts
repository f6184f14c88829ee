import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from './chain';

/** What a checkpoint asserts: the log had this global chain head at this position. */
export interface CheckpointClaim {
  position: number;
  headHash: string;
  at: string;
}

export interface SignedCheckpoint extends CheckpointClaim {
  algorithm: 'Ed25519';
  /** the exact bytes signed (canonical JSON of position, headHash, at), for offline verification */
  payload: string;
  /** base64 Ed25519 signature over `payload` */
  signature: string;
}

export function signCheckpoint(privateKey: KeyObject, claim: CheckpointClaim): SignedCheckpoint {
  const payload = canonicalJson({ position: claim.position, headHash: claim.headHash, at: claim.at });
  return { ...claim, algorithm: 'Ed25519', payload, signature: sign(null, Buffer.from(payload, 'utf8'), privateKey).toString('base64') };
}

/** True when the signature is valid for the claim's own fields (the payload is rebuilt, not trusted). */
export function verifyCheckpoint(publicKeyPem: string, checkpoint: CheckpointClaim & { signature: string }): boolean {
  const payload = canonicalJson({ position: checkpoint.position, headHash: checkpoint.headHash, at: checkpoint.at });
  return verify(null, Buffer.from(payload, 'utf8'), createPublicKey(publicKeyPem), Buffer.from(checkpoint.signature, 'base64'));
}
