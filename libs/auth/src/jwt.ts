import { createRemoteJWKSet, importSPKI, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type KeyLike } from 'jose';
import { isRole, type Role } from './roles';

export interface JwtSettings {
  issuer: string;
  audience: string;
  jwksUrl?: string;
  /** PEM (SPKI), RS256 */
  publicKey?: string;
  /** HS256 shared secret */
  secret?: string;
  rolesClaim: string;
}

export interface JwtIdentity {
  subject: string;
  roles: Role[];
}

const SUBJECT = /^[A-Za-z0-9._:@|-]{1,120}$/;

/** Verifies bearer JWTs from an external IdP with jose; the algorithm is pinned by the key type, so `alg: none` or a swapped alg fails. */
export class JwtVerifier {
  private constructor(
    private readonly settings: JwtSettings,
    private readonly key: JWTVerifyGetKey | KeyLike | Uint8Array,
    private readonly algorithms: string[],
  ) {}

  static async create(settings: JwtSettings): Promise<JwtVerifier> {
    if (settings.jwksUrl) return new JwtVerifier(settings, createRemoteJWKSet(new URL(settings.jwksUrl)), ['RS256']);
    if (settings.publicKey) return new JwtVerifier(settings, await importSPKI(settings.publicKey, 'RS256'), ['RS256']);
    if (settings.secret) return new JwtVerifier(settings, new TextEncoder().encode(settings.secret), ['HS256']);
    throw new Error('JWT verification needs a JWKS URL, a public key or a secret');
  }

  /** undefined for any invalid token: bad signature, expired, wrong issuer/audience/alg, unusable subject. */
  async verify(token: string): Promise<JwtIdentity | undefined> {
    let payload: JWTPayload;
    try {
      const options = { issuer: this.settings.issuer, audience: this.settings.audience, algorithms: this.algorithms };
      payload =
        typeof this.key === 'function'
          ? (await jwtVerify(token, this.key as JWTVerifyGetKey, options)).payload
          : (await jwtVerify(token, this.key as KeyLike | Uint8Array, options)).payload;
    } catch {
      return undefined;
    }
    if (typeof payload.sub !== 'string' || !SUBJECT.test(payload.sub)) return undefined;
    const claim = payload[this.settings.rolesClaim];
    const values = Array.isArray(claim) ? claim : typeof claim === 'string' ? claim.split(' ') : [];
    return { subject: payload.sub, roles: [...new Set(values.filter(isRole))] };
  }
}
