import { looksLikeApiKey, verifyApiKey, type Identity, type JwtVerifier, type ApiKeyStore } from '@touchpoint/auth';
import type { FastifyRequest } from 'fastify';

/** Establishes an identity from `Authorization: Bearer …`: an API key (`tp_…`) or a JWT from the configured IdP. */
export class Authenticator {
  constructor(
    private readonly keys: ApiKeyStore,
    private readonly jwt: JwtVerifier | undefined,
  ) {}

  async authenticate(request: FastifyRequest): Promise<Identity | undefined> {
    const header = request.headers.authorization;
    if (typeof header !== 'string') return undefined;
    const match = /^Bearer ([\x21-\x7e]{1,8192})$/i.exec(header.trim());
    if (!match) return undefined;
    const token = match[1];
    if (looksLikeApiKey(token)) {
      const key = await verifyApiKey(this.keys, token);
      return key && { actor: `key:${key.id}`, roles: key.roles, via: 'api-key' };
    }
    const claims = await this.jwt?.verify(token);
    return claims && { actor: `jwt:${claims.subject}`, roles: claims.roles, via: 'jwt' };
  }
}
