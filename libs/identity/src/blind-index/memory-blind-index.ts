import { checkCheckpointName, checkCustomerId, checkEntries, checkKind, checkLookupHashes, checkPage, checkPosition, checkVersion } from './checks';
import { BLIND_INDEX_MAX_PER_HASH, type BlindIndexEntry, type BlindIndexGroup, type BlindIndexHit, type BlindIndexStore } from './port';

const slot = (keyVersion: number, kind: string) => `${keyVersion}:${kind}`;

/** For tests and the in-memory engine: maps both ways. `groups` sorts the slot's hashes on every page. */
export class MemoryBlindIndex implements BlindIndexStore {
  /** "version:kind" → hash → customer ids */
  private readonly byHash = new Map<string, Map<string, Set<string>>>();
  /** customer id → version → entries */
  private readonly byCustomer = new Map<string, Map<number, BlindIndexEntry[]>>();
  private readonly checkpoints = new Map<string, number>();

  async replace(customerId: string, entries: BlindIndexEntry[], keyVersion: number): Promise<void> {
    checkCustomerId(customerId);
    checkVersion(keyVersion);
    const wanted = checkEntries(entries);
    this.unlink(customerId, keyVersion);
    const versions = this.byCustomer.get(customerId) ?? new Map<number, BlindIndexEntry[]>();
    if (wanted.length > 0) versions.set(keyVersion, wanted);
    if (versions.size > 0) this.byCustomer.set(customerId, versions);
    for (const e of wanted) {
      const hashes = this.byHash.get(slot(keyVersion, e.kind)) ?? new Map<string, Set<string>>();
      this.byHash.set(slot(keyVersion, e.kind), hashes);
      hashes.set(e.hash, (hashes.get(e.hash) ?? new Set()).add(customerId));
    }
  }

  /** Takes the customer's entries of one version out of the hash map (and the customer map). */
  private unlink(customerId: string, keyVersion: number): void {
    const versions = this.byCustomer.get(customerId);
    for (const e of versions?.get(keyVersion) ?? []) {
      const hashes = this.byHash.get(slot(keyVersion, e.kind));
      const customers = hashes?.get(e.hash);
      customers?.delete(customerId);
      if (customers?.size === 0) hashes!.delete(e.hash);
    }
    versions?.delete(keyVersion);
    if (versions?.size === 0) this.byCustomer.delete(customerId);
  }

  async lookup(kind: string, hashes: string[], keyVersion: number): Promise<BlindIndexHit[]> {
    checkKind(kind);
    checkVersion(keyVersion);
    const slotHashes = this.byHash.get(slot(keyVersion, kind));
    return checkLookupHashes(hashes).flatMap((hash) =>
      [...(slotHashes?.get(hash) ?? [])]
        .sort()
        .slice(0, BLIND_INDEX_MAX_PER_HASH)
        .map((customerId) => ({ customerId, kind, hash })),
    );
  }

  async entriesOf(customerId: string, keyVersion: number): Promise<BlindIndexEntry[]> {
    checkCustomerId(customerId);
    checkVersion(keyVersion);
    return (this.byCustomer.get(customerId)?.get(keyVersion) ?? []).map((e) => ({ ...e }));
  }

  async remove(customerId: string): Promise<void> {
    checkCustomerId(customerId);
    for (const keyVersion of [...(this.byCustomer.get(customerId)?.keys() ?? [])]) this.unlink(customerId, keyVersion);
  }

  async dropVersion(keyVersion: number): Promise<void> {
    checkVersion(keyVersion);
    for (const customerId of [...this.byCustomer.keys()]) this.unlink(customerId, keyVersion);
  }

  async groups(kind: string, keyVersion: number, options: { after?: string; limit: number }): Promise<BlindIndexGroup[]> {
    checkKind(kind);
    checkVersion(keyVersion);
    const { after, limit } = checkPage(options);
    const hashes = this.byHash.get(slot(keyVersion, kind)) ?? new Map<string, Set<string>>();
    return [...hashes.entries()]
      .filter(([hash, customers]) => customers.size >= 2 && (after === undefined || hash > after))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .slice(0, limit)
      .map(([hash, customers]) => ({ hash, count: customers.size, customerIds: [...customers].sort().slice(0, BLIND_INDEX_MAX_PER_HASH) }));
  }

  async checkpoint(name: string): Promise<number> {
    return this.checkpoints.get(checkCheckpointName(name)) ?? 0;
  }

  async setCheckpoint(name: string, position: number): Promise<void> {
    this.checkpoints.set(checkCheckpointName(name), checkPosition(position));
  }

  async close(): Promise<void> {}
}
