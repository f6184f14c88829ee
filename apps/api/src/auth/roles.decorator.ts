import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiForbiddenResponse, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { admittedRoles, type Role } from '@touchpoint/auth';

export const REQUIRED_ROLES = 'touchpoint:roles';
export const IS_PUBLIC = 'touchpoint:public';

/**
 * Who may call a route (admin always may). The global guard denies any route without
 * @Roles or @Public, so a new route is closed until someone decides.
 * The roles also go into the OpenAPI document (`x-required-roles`, `security`).
 */
export function Roles(...roles: [Role, ...Role[]]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(REQUIRED_ROLES, roles),
    ApiBearerAuth(),
    ApiExtension('x-required-roles', admittedRoles(roles)),
    ApiUnauthorizedResponse({ description: 'No valid API key or bearer token (problem+json)' }),
    ApiForbiddenResponse({ description: `Needs one of the roles: ${admittedRoles(roles).join(', ')} (problem+json)` }),
    ApiTooManyRequestsResponse({ description: 'Rate limit reached; see Retry-After (problem+json)' }),
  );
}

/** Open to anyone who reaches the port (health). */
export function Public(): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(IS_PUBLIC, true), ApiExtension('x-required-roles', []));
}
