import { ForbiddenException, Inject, Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { allows, type Identity, type Role } from '@touchpoint/auth';
import type { FastifyRequest } from 'fastify';
import { Authenticator } from './authenticator';
import { IS_PUBLIC, REQUIRED_ROLES } from './roles.decorator';

export const AUTH_MODE = Symbol('AUTH_MODE');

/** Everyone behind a trusted gateway is treated as admin; only the route declarations still apply. */
const TRUSTED: Identity = { actor: 'trusted-network', roles: ['admin'], via: 'trusted-network' };

export type AuthenticatedRequest = FastifyRequest & { identity?: Identity };

export class UnauthenticatedProblem extends UnauthorizedException {
  constructor() {
    super('Send a valid API key or bearer token: Authorization: Bearer <token>.');
  }
}

/** Global guard: secure by default (a route must say @Public or @Roles), then 401 for no identity, 403 for the wrong role. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
    @Inject(AUTH_MODE) private readonly mode: 'required' | 'off',
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const required = this.reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES, targets);
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const identity = this.mode === 'off' ? TRUSTED : await this.authenticator.authenticate(request);
    if (!identity) throw new UnauthenticatedProblem();
    request.identity = identity;
    if (!required?.length) throw new ForbiddenException('This route declares no roles, so nobody may call it.');
    if (!allows(identity, required)) throw new ForbiddenException(`This route needs one of the roles: ${[...required, 'admin'].join(', ')}.`);
    return true;
  }
}
