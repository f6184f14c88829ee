import { GENESIS_HASH, chainLink, verifyChains, type ChainedEventStore, type EventStore } from '@touchpoint/event-store';
import { randomUUID } from 'node:crypto';

export interface ChainedStoreUnderTest {
  store: EventStore & ChainedEventStore;
  /** changes the stored data of one event behind the store's back (a raw UPDATE in the real engines) */
  tamperData(globalPosition: number): Promise<void>;
  /** overwrites the stored global hash of one event */
  tamperGlobalHash(globalPosition: number): Promise<void>;
  teardown?: () => Promise<void>;
}

const meta = { actor: 'user:alice', correlationId: 'corr-1', causationId: 'cmd-1' };
const ev = (n: number) => ({ type: 'TouchpointRecorded', schemaVersion: 1, data: { n, text: `note ${n}`, optional: undefined } });

/**
 * Opt-in contract for adapters with the ChainedEventStore capability: every
 * append is hash-chained per stream and globally, and verifyChains finds
 * the exact position of a row altered directly in storage.
 */
export function chainContract(name: string, create: () => Promise<ChainedStoreUnderTest>): void {
  describe(`hash chains: ${name}`, () => {
    let sut: ChainedStoreUnderTest;
    beforeEach(async () => {
      sut = await create();
    });
    afterEach(async () => {
      await sut.store.close();
      await sut.teardown?.();
    });

    async function seed(): Promise<{ a: string; b: string; positions: number[] }> {
      const a = `s-${randomUUID()}`;
      const b = `s-${randomUUID()}`;
      const positions: number[] = [];
      for (let i = 0; i < 4; i += 1) {
        const r = await sut.store.append(i % 2 ? b : a, [ev(i * 2), ev(i * 2 + 1)], { expectedRevision: 'any', metadata: meta });
        positions.push(...r.events.map((e) => e.globalPosition));
      }
      return { a, b, positions };
    }

    it('links every event to the previous one of its stream and of the log', async () => {
      const { a, positions } = await seed();
      const links = await sut.store.readChain({ after: 0, maxCount: 1000 });
      const own = links.filter((l) => positions.includes(l.event.globalPosition));
      expect(own).toHaveLength(8);
      // Recompute the first two events of stream a by hand: genesis, then the first event's hash.
      const [first, second] = own.filter((l) => l.event.streamId === a);
      const prevGlobal = links.find((l) => l.event.globalPosition === first.event.globalPosition - 1)?.globalHash ?? GENESIS_HASH;
      const l1 = chainLink(first.event, GENESIS_HASH, prevGlobal);
      expect(first).toMatchObject(l1);
      expect(second.streamHash).toBe(chainLink(second.event, l1.streamHash, l1.globalHash).streamHash);
      const report = await verifyChains(sut.store);
      expect(report).toMatchObject({ ok: true, unchained: 0, to: positions[7], headHash: links[links.length - 1].globalHash });
      expect(report.checked).toBe(links.length);
    });

    it('keeps both chains whole when appends made together include ones that fail', async () => {
      const streams = [0, 1, 2, 3].map(() => `s-${randomUUID()}`);
      await sut.store.append(streams[0], [ev(0)], { expectedRevision: 'any', metadata: meta });
      // Issued together (one group commit where the adapter batches): conflicts in the middle must not move the heads.
      const outcomes = await Promise.allSettled([
        sut.store.append(streams[1], [ev(1), ev(2)], { expectedRevision: 'no_stream', metadata: meta }),
        sut.store.append(streams[0], [ev(3)], { expectedRevision: 5, metadata: meta }),
        sut.store.append(streams[2], [ev(4)], { expectedRevision: 'no_stream', metadata: meta }),
        sut.store.append(streams[1], [ev(5)], { expectedRevision: 'no_stream', metadata: meta }),
        sut.store.append(streams[0], [ev(6)], { expectedRevision: 0, metadata: meta }),
        sut.store.append(streams[3], [ev(7), ev(8)], { expectedRevision: 'any', metadata: meta }),
      ]);
      const status = outcomes.map((o) => o.status);
      // A wrapper may reorder appends issued together: one of the two 'no_stream' appends to streams[1] wins.
      expect([status[1], [status[0], status[3]].sort(), status[2], status[4], status[5]]).toEqual(['rejected', ['fulfilled', 'rejected'], 'fulfilled', 'fulfilled', 'fulfilled']);
      const report = await verifyChains(sut.store);
      expect(report).toMatchObject({ ok: true, unchained: 0 });
      expect(report.checked).toBe(await sut.store.headPosition());
    });

    it('finds a row whose data was altered in storage, at its exact position', async () => {
      const { positions } = await seed();
      await sut.tamperData(positions[5]);
      const report = await verifyChains(sut.store, { pageSize: 3 });
      expect(report.ok).toBe(false);
      expect(report.broken).toMatchObject({ globalPosition: positions[5], chain: 'stream' });
      expect(report.broken!.expected).not.toBe(report.broken!.stored);
      expect(report.checked).toBe(positions[5] - 1);
    });

    it('finds a rewritten global hash', async () => {
      const { positions } = await seed();
      await sut.tamperGlobalHash(positions[2]);
      const report = await verifyChains(sut.store);
      expect(report.broken).toMatchObject({ globalPosition: positions[2], chain: 'global' });
    });

    it('verifies from a later position, anchored on the stored hashes before it', async () => {
      const { positions } = await seed();
      const report = await verifyChains(sut.store, { fromPosition: positions[3] });
      expect(report).toMatchObject({ ok: true, from: positions[3], checked: positions[7] - positions[3] + 1 });
      await sut.tamperData(positions[6]);
      expect((await verifyChains(sut.store, { fromPosition: positions[3] })).broken).toMatchObject({ globalPosition: positions[6] });
    });
  });
}
