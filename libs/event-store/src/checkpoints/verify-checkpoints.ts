import { verifyChains, type ChainedEventStore, type VerifyReport } from '../chain';
import { verifyCheckpoint, type SignedCheckpoint } from '../checkpoint';
import type { CheckpointStore } from './checkpoint-store';

export interface CheckpointCheck {
  position: number;
  at: string;
  headHash: string;
  signatureValid: boolean;
  /**
   * match: the recomputed chain has this head hash at this position; mismatch: the log up to it was rewritten;
   * beyond_head: the log now ends before it (events at the head were removed);
   * not_reached: the chain broke earlier (or the position holds events from before chaining); before_range: verification started after it
   */
  status: 'match' | 'mismatch' | 'beyond_head' | 'not_reached' | 'before_range';
  /** the global hash recomputed at this position, when reached */
  recomputed?: string;
}

export interface CheckpointsReport {
  ok: boolean;
  total: number;
  matched: number;
  failed: number;
  results: CheckpointCheck[];
}

export type VerifyWithCheckpointsReport = VerifyReport & { checkpoints: CheckpointsReport };

const PAGE = 1000;

async function allCheckpoints(checkpoints: CheckpointStore): Promise<SignedCheckpoint[]> {
  const all: SignedCheckpoint[] = [];
  for (let after = 0; ; ) {
    const page = await checkpoints.list({ after, limit: PAGE });
    all.push(...page);
    if (page.length < PAGE) return all;
    after = page[page.length - 1].position;
  }
}

/**
 * Recomputes the chains (verifyChains) and compares every stored checkpoint
 * with the recomputed global hash at its position. A log rewritten with
 * freshly recomputed hashes passes the chain check but not an older checkpoint.
 */
export async function verifyWithCheckpoints(
  store: ChainedEventStore,
  checkpoints: CheckpointStore,
  publicKeyPem: string,
  options: Parameters<typeof verifyChains>[1] = {},
): Promise<VerifyWithCheckpointsReport> {
  const stored = await allCheckpoints(checkpoints);
  const wanted = new Set(stored.map((c) => c.position));
  const recomputed = new Map<number, string>();
  const report = await verifyChains(store, {
    ...options,
    onLink: (position, hash) => {
      if (wanted.has(position)) recomputed.set(position, hash);
      options.onLink?.(position, hash);
    },
  });
  const results = stored.map((c): CheckpointCheck => {
    const signatureValid = verifyCheckpoint(publicKeyPem, c);
    const base = { position: c.position, at: c.at, headHash: c.headHash, signatureValid };
    const hash = recomputed.get(c.position);
    if (hash !== undefined) return { ...base, status: hash === c.headHash ? 'match' : 'mismatch', recomputed: hash };
    if (c.position < report.from) return { ...base, status: 'before_range' };
    if (report.ok && c.position > report.to) return { ...base, status: 'beyond_head' };
    return { ...base, status: 'not_reached' };
  });
  const failed = results.filter((r) => !r.signatureValid || r.status === 'mismatch' || r.status === 'beyond_head').length;
  const matched = results.filter((r) => r.status === 'match').length;
  return { ...report, ok: report.ok && failed === 0, checkpoints: { ok: failed === 0, total: results.length, matched, failed, results } };
}
