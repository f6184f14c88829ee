import type { BlindIndexHasher } from './blind-index/hasher';
import type { BlindIndexStore } from './blind-index/port';
import { blindEntries, type ProfileSource } from './indexer';
import { scorePair, type MatchProfile, type MatchReason } from './match';

export interface DuplicateCandidate {
  customerId: string;
  score: number;
  reasons: MatchReason[];
}

export interface DuplicatePair {
  customerIds: [string, string];
  score: number;
  reasons: MatchReason[];
  /** the matching key the pair was found by (a pair sharing several is reported once, under the first of KEY_KINDS) */
  foundBy: string;
}

/** The order a full scan walks the keys in; a pair is reported under the first kind it shares. */
export const KEY_KINDS = ['email', 'phone', 'name_postcode', 'name_company'] as const;

export interface ScanCursor {
  kind: (typeof KEY_KINDS)[number];
  /** the last hash of the previous page within `kind` */
  after?: string;
}

/** A key shared by more customers than this is a shared mailbox or switchboard, not an identity: it finds no pairs. */
export const MAX_GROUP = 50;

/**
 * Finds duplicate candidates: customers who share a matching key in the blind index, scored on their profiles in the
 * clear (read from their state when asked, never stored). Candidate generation never sees a plain value.
 */
export class DuplicateFinder {
  constructor(
    private readonly index: BlindIndexStore,
    private readonly hasher: BlindIndexHasher,
    private readonly profileOf: ProfileSource,
  ) {}

  /** The customer's candidates, best first; null when the customer is unknown or erased. */
  async candidatesFor(customerId: string, minScore = 0): Promise<DuplicateCandidate[] | null> {
    const profile = await this.profileOf(customerId);
    return profile && this.candidatesForProfile(profile, { exclude: customerId, minScore });
  }

  /** Existing customers that look like `profile` (an import record, a registration about to be made). */
  async candidatesForProfile(profile: MatchProfile, options: { exclude?: string; minScore?: number } = {}): Promise<DuplicateCandidate[]> {
    const byKind = new Map<string, string[]>();
    for (const e of blindEntries(profile, this.hasher)) byKind.set(e.kind, [...(byKind.get(e.kind) ?? []), e.hash]);
    const hits = new Map<string, number>();
    for (const [kind, hashes] of byKind) {
      // A profile has a handful of keys per kind; lookup takes up to 100 hashes per call.
      for (const hit of await this.index.lookup(kind, hashes.slice(0, 100), this.hasher.version)) {
        if (hit.customerId !== options.exclude) hits.set(hit.customerId, (hits.get(hit.customerId) ?? 0) + 1);
      }
    }
    const candidates: DuplicateCandidate[] = [];
    for (const customerId of hits.keys()) {
      const other = await this.profileOf(customerId);
      if (!other) continue;
      const { score, reasons } = scorePair(profile, other);
      if (score >= (options.minScore ?? 0)) candidates.push({ customerId, score, reasons });
    }
    return candidates.sort((a, b) => b.score - a.score || (a.customerId < b.customerId ? -1 : 1));
  }

  /**
   * One page of the full scan: the pairs of customers sharing a key, each pair once, scored, at or above `minScore`.
   * Walks each kind's shared hashes in order; a page ends at a group boundary once `limit` pairs are in hand.
   */
  async scan(options: { cursor?: ScanCursor; limit: number; minScore: number }): Promise<{ pairs: DuplicatePair[]; next: ScanCursor | null }> {
    const pairs: DuplicatePair[] = [];
    const profiles = new Map<string, Promise<MatchProfile | null>>();
    const profile = (id: string) => {
      let p = profiles.get(id);
      if (!p) profiles.set(id, (p = this.profileOf(id)));
      return p;
    };
    let kindIndex = options.cursor ? KEY_KINDS.indexOf(options.cursor.kind) : 0;
    let after = options.cursor?.after;
    while (kindIndex < KEY_KINDS.length) {
      const kind = KEY_KINDS[kindIndex];
      const groups = await this.index.groups(kind, this.hasher.version, { after, limit: 200 });
      for (const group of groups) {
        after = group.hash;
        if (group.count > MAX_GROUP) continue;
        const ids = [...new Set(group.customerIds)].sort();
        for (let i = 0; i < ids.length; i++) {
          for (let j = i + 1; j < ids.length; j++) {
            const [a, b] = await Promise.all([profile(ids[i]), profile(ids[j])]);
            if (!a || !b || firstSharedKind(a, b, this.hasher) !== kind) continue;
            const { score, reasons } = scorePair(a, b);
            if (score >= options.minScore) pairs.push({ customerIds: [ids[i], ids[j]], score, reasons, foundBy: kind });
          }
        }
        if (pairs.length >= options.limit) return { pairs, next: { kind, after } };
      }
      if (groups.length < 200) {
        kindIndex += 1;
        after = undefined;
      }
    }
    return { pairs, next: null };
  }
}

function firstSharedKind(a: MatchProfile, b: MatchProfile, hasher: BlindIndexHasher): string | undefined {
  const keysOf = (p: MatchProfile) => new Set(blindEntries(p, hasher).map((e) => `${e.kind}\u0000${e.hash}`));
  const ka = keysOf(a);
  const shared = [...keysOf(b)].filter((k) => ka.has(k)).map((k) => k.split('\u0000')[0]);
  return KEY_KINDS.find((kind) => shared.includes(kind));
}
