import { InMemoryKeyStore, SqliteKeyStore } from '@touchpoint/event-store';
import { BlindIndexHasher, blindIndexKeySubject, loadHasher, MemoryBlindIndex, SqliteBlindIndex } from '@touchpoint/identity';
import { blindIndexContract } from '@touchpoint/testing';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

blindIndexContract('memory', async () => ({ index: new MemoryBlindIndex() }), { durable: false, rawStorage: false });

blindIndexContract(
  'sqlite (blind-index.db)',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-blind-index-'));
    const file = join(dir, 'blind-index.db');
    return {
      index: new SqliteBlindIndex(file),
      reopen: async () => new SqliteBlindIndex(file),
      // The database file and its WAL, where fresh commits are until a checkpoint moves them.
      raw: async () => Buffer.concat(readdirSync(dir).map((f) => readFileSync(join(dir, f)))),
      teardown: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
  { durable: true, rawStorage: true },
);

describe('BlindIndexHasher', () => {
  const key = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');

  it('is HMAC-SHA256(key, kind + "\\0" + value) in lowercase hex (vectors from openssl dgst -hmac)', () => {
    const hasher = new BlindIndexHasher(key, 1);
    expect(hasher.hash('email', 'ann.smith@example.com')).toBe('a0b77646f5ed58907f048d0f0597b1bc606848769c61a2800531198629841eae');
    expect(hasher.hash('phone', 'ann.smith@example.com')).toBe('a16515825c137cb39720148c735d5a4c2985b3747f2bea37656eb918e251f064');
    expect(hasher.entries([{ kind: 'email', value: 'ann.smith@example.com' }])).toEqual([{ kind: 'email', hash: hasher.hash('email', 'ann.smith@example.com') }]);
  });

  it('gives unrelated hashes under another key, and hashes the value exactly as given', () => {
    const other = new BlindIndexHasher(Buffer.alloc(32, 7), 2);
    expect(other.hash('email', 'ann.smith@example.com')).not.toBe(new BlindIndexHasher(key, 1).hash('email', 'ann.smith@example.com'));
    expect(other.hash('email', 'Ann.Smith@example.com')).not.toBe(other.hash('email', 'ann.smith@example.com'));
    expect(other.version).toBe(2);
  });

  it('keeps its own copy of the key and refuses bad keys, versions, kinds and empty values', () => {
    const mutable = Buffer.from(key);
    const hasher = new BlindIndexHasher(mutable, 1);
    const before = hasher.hash('email', 'x@example.com');
    mutable.fill(0);
    expect(hasher.hash('email', 'x@example.com')).toBe(before);
    expect(() => new BlindIndexHasher(Buffer.alloc(16), 1)).toThrow(TypeError);
    expect(() => new BlindIndexHasher(key, 0)).toThrow(TypeError);
    expect(() => hasher.hash('e\u0000mail', 'x')).toThrow(TypeError);
    expect(() => hasher.hash('Email', 'x')).toThrow(TypeError);
    expect(() => hasher.hash('email', '')).toThrow(TypeError);
  });

  it('loadHasher keeps the key of each version in the key store under blind-index:v<N>, the same key every time', async () => {
    const keys = new InMemoryKeyStore();
    const v1 = await loadHasher(keys, 1);
    expect(blindIndexKeySubject(1)).toBe('blind-index:v1');
    expect(await keys.get('blind-index:v1')).toHaveLength(32);
    expect((await loadHasher(keys, 1)).hash('email', 'a@b.c')).toBe(v1.hash('email', 'a@b.c'));
    const v2 = await loadHasher(keys, 2);
    expect(v2.version).toBe(2);
    expect(v2.hash('email', 'a@b.c')).not.toBe(v1.hash('email', 'a@b.c'));
    expect(v1.hash('email', 'a@b.c')).toBe(new BlindIndexHasher((await keys.get('blind-index:v1'))!, 1).hash('email', 'a@b.c'));
  });

  it('loadHasher gives the same key to another process of the same key file, and refuses a destroyed (retired) version', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tp-blind-keys-'));
    const a = new SqliteKeyStore(join(dir, 'keys.db'));
    const b = new SqliteKeyStore(join(dir, 'keys.db'));
    try {
      const [fromA, fromB] = await Promise.all([loadHasher(a, 1), loadHasher(b, 1)]);
      expect(fromB.hash('email', 'a@b.c')).toBe(fromA.hash('email', 'a@b.c'));
      await a.destroy(blindIndexKeySubject(1), '2026-03-01T00:00:00.000Z');
      await expect(loadHasher(b, 1)).rejects.toThrow('version 1 was destroyed');
      await expect(loadHasher(a, 0)).rejects.toThrow(TypeError);
    } finally {
      await a.close();
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
