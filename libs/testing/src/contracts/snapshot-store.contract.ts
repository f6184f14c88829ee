import type { SnapshotStore } from '@touchpoint/event-store';

export function snapshotStoreContract(name: string, create: () => Promise<{ snapshots: SnapshotStore; teardown: () => Promise<void> }>): void {
  describe(`SnapshotStore contract: ${name}`, () => {
    let snapshots: SnapshotStore;
    let teardown: () => Promise<void>;
    beforeEach(async () => ({ snapshots, teardown } = await create()));
    afterEach(async () => teardown());

    it('returns the latest snapshot for the same state version and ignores other versions', async () => {
      expect(await snapshots.load('s-1', 'v1')).toBeUndefined();
      await snapshots.save({ streamId: 's-1', revision: 99, stateVersion: 'v1', state: { a: 1, orders: { o: { lines: [1] } } } });
      expect(await snapshots.load('s-1', 'v1')).toEqual({ streamId: 's-1', revision: 99, stateVersion: 'v1', state: { a: 1, orders: { o: { lines: [1] } } } });
      expect(await snapshots.load('s-1', 'v2')).toBeUndefined();
      await snapshots.save({ streamId: 's-1', revision: 199, stateVersion: 'v1', state: { a: 2 } });
      expect((await snapshots.load('s-1', 'v1'))?.revision).toBe(199);
    });
  });
}
