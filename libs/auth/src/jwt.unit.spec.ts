import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JwtVerifier } from './jwt';

const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'touchpoint-api';
const SECRET = 'a-shared-secret-of-at-least-32-characters!';
// jose checks exp/nbf against the real clock, so tokens are relative to now with hour-wide margins.
const nowSeconds = () => Math.floor(Date.now() / 1000);

function token(key: KeyLike | Uint8Array, alg: string, claims: Record<string, unknown> = {}, options: { iss?: string; aud?: string; sub?: string; exp?: number; kid?: string } = {}): Promise<string> {
  return new SignJWT({ roles: ['sales'], ...claims })
    .setProtectedHeader({ alg, ...(options.kid && { kid: options.kid }) })
    .setIssuer(options.iss ?? ISSUER)
    .setAudience(options.aud ?? AUDIENCE)
    .setSubject(options.sub ?? 'user-42')
    .setIssuedAt()
    .setExpirationTime(options.exp ?? nowSeconds() + 3600)
    .sign(key);
}

/** An unsigned token: header {alg:none}. */
function unsigned(payload: Record<string, unknown>): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(payload)}.`;
}

describe('JwtVerifier', () => {
  let rsa: { publicKey: KeyLike; privateKey: KeyLike };
  let other: { publicKey: KeyLike; privateKey: KeyLike };
  beforeAll(async () => {
    rsa = await generateKeyPair('RS256');
    other = await generateKeyPair('RS256');
  });

  describe('RS256 with a configured public key', () => {
    let verifier: JwtVerifier;
    beforeAll(async () => {
      verifier = await JwtVerifier.create({ issuer: ISSUER, audience: AUDIENCE, publicKey: await exportSPKI(rsa.publicKey), rolesClaim: 'roles' });
    });

    it('accepts a valid token and keeps only known roles', async () => {
      expect(await verifier.verify(await token(rsa.privateKey, 'RS256', { roles: ['sales', 'superuser', 'analyst'] }))).toEqual({ subject: 'user-42', roles: ['sales', 'analyst'] });
    });

    it.each([
      ['expired', async () => token(rsa.privateKey, 'RS256', {}, { exp: nowSeconds() - 3600 })],
      ['wrong audience', async () => token(rsa.privateKey, 'RS256', {}, { aud: 'another-api' })],
      ['wrong issuer', async () => token(rsa.privateKey, 'RS256', {}, { iss: 'https://evil.example.test/' })],
      ['signed by another key', async () => token(other.privateKey, 'RS256')],
      ['HS256 instead of RS256', async () => token(new TextEncoder().encode(SECRET), 'HS256')],
      ['alg none', async () => unsigned({ iss: ISSUER, aud: AUDIENCE, sub: 'user-42', roles: ['admin'], exp: nowSeconds() + 3600 })],
      ['a subject outside the actor alphabet', async () => token(rsa.privateKey, 'RS256', {}, { sub: 'a b' })],
      ['garbage', async () => 'not.a.jwt'],
    ])('rejects a token that is %s', async (_label, make) => {
      expect(await verifier.verify(await make())).toBeUndefined();
    });
  });

  describe('HS256 with a shared secret', () => {
    it('accepts its own tokens, reads a space-separated roles claim from a configured name, rejects RS256 tokens', async () => {
      const verifier = await JwtVerifier.create({ issuer: ISSUER, audience: AUDIENCE, secret: SECRET, rolesClaim: 'https://touchpoint/roles' });
      const good = await token(new TextEncoder().encode(SECRET), 'HS256', { 'https://touchpoint/roles': 'auditor service' });
      expect(await verifier.verify(good)).toEqual({ subject: 'user-42', roles: ['auditor', 'service'] });
      expect(await verifier.verify(await token(rsa.privateKey, 'RS256'))).toBeUndefined();
      expect(await verifier.verify(await token(new TextEncoder().encode('another-secret-another-secret-123456'), 'HS256'))).toBeUndefined();
    });
  });

  describe('RS256 through a remote JWKS', () => {
    let server: Server;
    let url: string;
    beforeAll(async () => {
      const jwk = { ...(await exportJWK(rsa.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
      server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
    });
    afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

    it('verifies with the served key and rejects tokens from an unknown key', async () => {
      const verifier = await JwtVerifier.create({ issuer: ISSUER, audience: AUDIENCE, jwksUrl: url, rolesClaim: 'roles' });
      expect(await verifier.verify(await token(rsa.privateKey, 'RS256', { roles: ['service'] }, { kid: 'k1' }))).toEqual({ subject: 'user-42', roles: ['service'] });
      expect(await verifier.verify(await token(other.privateKey, 'RS256', {}, { kid: 'k2' }))).toBeUndefined();
    });
  });
});
