import { ERASED } from '@touchpoint/domain';
import type { EventStore, RecordedEvent, Subscription } from '@touchpoint/event-store';
import type { BlindIndexHasher } from './blind-index/hasher';
import type { BlindIndexStore } from './blind-index/port';
import { matchingKeys, type MatchProfile } from './match';

/** The customer's current profile in the clear (name, email, phone, company, postcode), or null once erased or unknown. */
export type ProfileSource = (customerId: string) => Promise<MatchProfile | null>;

/** Events that change what a customer is matched on (a merged record is matched through its survivor). */
export const PROFILE_EVENTS: ReadonlySet<string> = new Set(['CustomerRegistered', 'CustomerProfileChanged', 'CustomerErased', 'CustomerMerged', 'CustomerUnmerged']);

/** One checkpoint per key version: a rotation builds the next version from position 0 while lookups stay on the current one. */
export const indexerCheckpoint = (keyVersion: number) => `identity-indexer:v${keyVersion}`;

/** The profile a registration event states; undefined when it reads as erased (its key is gone: ask the state). */
function profileInRegistration(data: Record<string, unknown>): MatchProfile | undefined {
  if (typeof data.name !== 'string' || data.name === ERASED) return undefined;
  const text = (v: unknown) => (typeof v === 'string' && v !== ERASED ? v : null);
  const address = data.address as { postalCode?: unknown } | undefined;
  return {
    kind: data.kind === 'company' ? 'company' : 'person',
    name: data.name,
    email: text(data.email),
    phone: text(data.phone),
    company: text(data.company),
    postalCode: text(address?.postalCode),
  };
}

/** The hashed matching keys of a profile, as the blind index stores them. */
export function blindEntries(profile: MatchProfile, hasher: BlindIndexHasher): Array<{ kind: string; hash: string }> {
  return matchingKeys(profile).map((k) => ({ kind: k.kind, hash: hasher.hash(k.kind, k.value) }));
}

/**
 * Keeps the blind index in step with the log, from its own checkpoint: every customer whose profile changed is
 * indexed again from their current profile (so a replay or a restart indexes the same keys again, harmlessly), and
 * an erased customer's entries are removed. It reads the log without decrypting it: the profile comes from the
 * customer's state, not from the events.
 */
export class IdentityIndexer {
  private subscription?: Subscription;
  private positionValue = 0;
  private waiters: Array<{ position: number; resolve: () => void }> = [];

  constructor(
    private readonly events: EventStore,
    private readonly index: BlindIndexStore,
    private readonly hasher: BlindIndexHasher,
    private readonly profileOf: ProfileSource,
    private readonly options: { batchSize?: number; onError?: (error: unknown) => void } = {},
  ) {}

  get position(): number {
    return this.positionValue;
  }

  async start(): Promise<void> {
    this.positionValue = await this.index.checkpoint(indexerCheckpoint(this.hasher.version));
    // Registrations are opened (their profile is in them); every other event is read sealed.
    const subscription = this.events.subscribeToAll({ after: this.positionValue, batchSize: this.options.batchSize ?? 500, personalDataOf: new Set(['CustomerRegistered']) }, (batch) => this.handle(batch));
    this.subscription = subscription;
    subscription.done.catch((error) => this.options.onError?.(error));
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = undefined;
  }

  /** Indexes one batch of the log and stores the checkpoint after it. */
  async handle(batch: RecordedEvent[]): Promise<void> {
    if (batch.length === 0) return;
    const touched = new Set<string>();
    const erased = new Set<string>();
    /** a customer whose last profile event in the batch is its registration: the profile is in the event */
    const registered = new Map<string, MatchProfile>();
    for (const e of batch) {
      const customerId = String(e.data.customerId);
      if (e.type === 'CustomerErased') erased.add(customerId);
      else if (PROFILE_EVENTS.has(e.type)) {
        touched.add(customerId);
        const profile = e.type === 'CustomerRegistered' ? profileInRegistration(e.data) : undefined;
        if (profile) registered.set(customerId, profile);
        else registered.delete(customerId);
      }
    }
    // Erasure is final: no need to load the (now empty) profile, and no reason to bring its state back into a cache.
    for (const customerId of erased) await this.index.remove(customerId);
    for (const customerId of touched) {
      if (erased.has(customerId)) continue;
      // A registration carries the whole profile: no need to load the customer (an import registers thousands).
      const fromRegistration = registered.get(customerId);
      const profile = fromRegistration ?? (await this.profileOf(customerId));
      if (profile === null) {
        await this.index.remove(customerId);
        continue;
      }
      const entries = blindEntries(profile, this.hasher);
      // A new record with nothing to match on has no entries to replace: skip the write (most imported records).
      if (fromRegistration && entries.length === 0) continue;
      await this.index.replace(customerId, entries, this.hasher.version);
    }
    const last = batch[batch.length - 1].globalPosition;
    await this.index.setCheckpoint(indexerCheckpoint(this.hasher.version), last);
    this.positionValue = last;
    const ready = this.waiters.filter((w) => w.position <= last);
    this.waiters = this.waiters.filter((w) => w.position > last);
    for (const w of ready) w.resolve();
  }

  /** Resolves true once the index includes `position`, false after `timeoutMs`. */
  waitFor(position: number, timeoutMs: number): Promise<boolean> {
    if (position <= this.positionValue) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = { position, resolve: () => (clearTimeout(timer), resolve(true)) };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }
}
