import { signCheckpoint, verifyCheckpoint, type CheckpointStore } from '@touchpoint/event-store';
import { generateKeyPairSync } from 'node:crypto';

/** The contract every audit checkpoint store adapter passes. */
export function checkpointStoreContract(
  name: string,
  create: () => Promise<{ checkpoints: CheckpointStore; reopen?: () => Promise<CheckpointStore>; teardown?: () => Promise<void> }>,
  options: { durable: boolean },
): void {
  describe(`CheckpointStore contract: ${name}`, () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const signed = (position: number) => signCheckpoint(privateKey, { position, headHash: position.toString(16).padStart(64, 'a'), at: `2026-03-01T0${position % 10}:00:00.000Z` });
    let sut: Awaited<ReturnType<typeof create>>;
    beforeEach(async () => {
      sut = await create();
    });
    afterEach(async () => {
      await sut.checkpoints.close();
      await sut.teardown?.();
    });

    it('starts empty', async () => {
      expect(await sut.checkpoints.latest()).toBeUndefined();
      expect(await sut.checkpoints.list({ after: 0, limit: 10 })).toEqual([]);
    });

    it('keeps one checkpoint per position: a second save at a taken position is ignored', async () => {
      expect(await sut.checkpoints.save(signed(5))).toBe(true);
      const other = signCheckpoint(privateKey, { position: 5, headHash: 'b'.repeat(64), at: '2026-03-02T00:00:00.000Z' });
      expect(await sut.checkpoints.save(other)).toBe(false);
      expect(await sut.checkpoints.list({ after: 0, limit: 10 })).toEqual([signed(5)]);
    });

    it('pages in position order after a position and gives the latest; read back, signatures still verify', async () => {
      for (const p of [30, 10, 20, 40]) await sut.checkpoints.save(signed(p));
      expect((await sut.checkpoints.list({ after: 0, limit: 2 })).map((c) => c.position)).toEqual([10, 20]);
      expect((await sut.checkpoints.list({ after: 20, limit: 2 })).map((c) => c.position)).toEqual([30, 40]);
      expect(await sut.checkpoints.list({ after: 40, limit: 2 })).toEqual([]);
      const latest = await sut.checkpoints.latest();
      expect(latest).toEqual(signed(40));
      expect(verifyCheckpoint(publicKeyPem, latest!)).toBe(true);
    });

    if (options.durable) it('keeps checkpoints across a reopen', async () => {
      await sut.checkpoints.save(signed(7));
      await sut.checkpoints.close();
      sut.checkpoints = await sut.reopen!();
      expect(await sut.checkpoints.latest()).toEqual(signed(7));
    });
  });
}
