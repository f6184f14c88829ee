import { Inject, Injectable } from '@nestjs/common';
import { READ_STORE, SALES_ORG, SALES_ORG_ID, teamOf, type ReadStore, type SalesOrgDoc } from '@touchpoint/read-models';
import type { FastifyRequest } from 'fastify';
import type { AuthenticatedRequest } from '../auth/auth.guard';

/** Whose work a caller may see and change besides their own. */
export interface Oversight {
  /** admin (or auth off: a trusted gateway decides) */
  everyone: boolean;
  /** a manager's: the sellers of the teams they manage */
  members: string[];
  teams: string[];
}

/**
 * A manager (role `manager`) oversees the sellers of the teams the sales organisation names them manager of
 * (`TeamManagerAppointed`), as the read model has it now.
 */
@Injectable()
export class TeamScope {
  constructor(@Inject(READ_STORE) private readonly readStore: ReadStore) {}

  async of(req: FastifyRequest): Promise<Oversight> {
    const identity = (req as AuthenticatedRequest).identity;
    if (identity === undefined || identity.roles.includes('admin')) return { everyone: true, members: [], teams: [] };
    if (!identity.roles.includes('manager')) return { everyone: false, members: [], teams: [] };
    return { everyone: false, ...teamOf(await this.readStore.get<SalesOrgDoc>(SALES_ORG, SALES_ORG_ID), identity.actor) };
  }

  /** May the caller act for `owner` (their own work, a team member's, or anyone's)? */
  async actsFor(req: FastifyRequest, actor: string, owner: string): Promise<boolean> {
    if (owner === actor) return true;
    const scope = await this.of(req);
    return scope.everyone || scope.members.includes(owner);
  }
}
