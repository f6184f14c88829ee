import { Controller, Get, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ROLES } from '@touchpoint/auth';
import type { AuthenticatedRequest } from './auth.guard';
import { Roles } from './roles.decorator';

/** Who the presented credential is: clients (the console) show only what its roles allow; the API enforces it anyway. */
@ApiTags('auth')
@Roles(...ROLES)
@Controller('v1/session')
export class SessionController {
  /** The credential's actor (recorded on every command it sends), its roles, and how it was identified (api-key, jwt). */
  @Get()
  get(@Req() request: AuthenticatedRequest) {
    const { actor, roles, via } = request.identity!;
    return { actor, roles, via };
  }
}
