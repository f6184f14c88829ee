import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import type { CommandResult } from '@touchpoint/application';
import { forbidden, periodRange, type SalesOrgCommand } from '@touchpoint/domain';
import { ID_GENERATOR, type IdGenerator } from '@touchpoint/platform';
import { attainmentReport, CUSTOMERS, DEALS, READ_STORE, SALES_ORG, SALES_ORG_ID, type DealDoc, type ReadStore, type SalesOrgDoc } from '@touchpoint/read-models';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Roles } from '../auth';
import type { AuthenticatedRequest } from '../auth/auth.guard';
import { ExecuteSalesOrgCommand } from '../commands';
import { CommandContextFactory } from '../http/command-context.factory';
import { CommandResponder } from '../http/command-responder';
import { PathParam } from '../http/params';
import { Consistency } from '../queries/consistency';
import { TeamScope } from './team-scope';
import { AppointManagerDto, AttainmentQueryDto, PlaceSellerDto, PublishBonusPlanDto, RegionsQueryDto, SetQuotaDto } from './sales.dtos';

const PAGE = 1000;
const METHOD =
  'achieved = the amounts of deals won (DealWon) with a close time in the period, per currency, for their owner and the owner’s team and region as placed now; attainmentPct = achieved ÷ the quota set for exactly this period × 100; bonus = Σ over the plan’s bands of ratePct × the part of the quota achieved within the band (the currency’s latest plan)';

/**
 * The sales organisation (admin): sellers' teams and regions, quotas and bonus plans, each an event on the
 * `sales-org` stream. Attainment and the regional view are computed from won deals as they are read.
 */
@ApiTags('sales')
@ApiHeader({ name: 'Idempotency-Key', required: false })
@Controller('v1/sales')
export class SalesController {
  constructor(
    private readonly ctx: CommandContextFactory,
    private readonly respond: CommandResponder,
    private readonly consistency: Consistency,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    private readonly teams: TeamScope,
  ) {}

  /** Place a seller in a team and a region (an admin's change). */
  @Put('sellers/:owner')
  @Roles('admin')
  @HttpCode(200)
  place(@Param('owner', PathParam.freeText('owner')) owner: string, @Body() dto: PlaceSellerDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.run(req, reply, { type: 'PlaceSeller', data: { owner, team: dto.team, region: dto.region, occurredAt: this.respond.occurredAt(dto.occurredAt) } });
  }

  /** Name a team's manager (an admin's change): they see and change the team members' tasks, approve their quotes' discounts and read their attainment. */
  @Put('teams/:team/manager')
  @Roles('admin')
  @HttpCode(200)
  appoint(@Param('team', PathParam.freeText('team')) team: string, @Body() dto: AppointManagerDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.run(req, reply, { type: 'AppointTeamManager', data: { team, manager: dto.manager, occurredAt: this.respond.occurredAt(dto.occurredAt) } });
  }

  @Post('quotas')
  @Roles('admin')
  @HttpCode(200)
  quota(@Body() dto: SetQuotaDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const { occurredAt, ...rest } = dto;
    return this.run(req, reply, { type: 'SetQuota', data: { ...rest, occurredAt: this.respond.occurredAt(occurredAt) } });
  }

  @Post('bonus-plans')
  @Roles('admin')
  @HttpCode(200)
  plan(@Body() dto: PublishBonusPlanDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const { occurredAt, planId, bands, ...rest } = dto;
    return this.run(req, reply, {
      type: 'PublishBonusPlan',
      data: { ...rest, planId: planId?.toLowerCase() ?? this.ids.next(), bands: bands.map((b) => ({ fromPct: b.fromPct, ratePct: b.ratePct })), occurredAt: this.respond.occurredAt(occurredAt) },
    });
  }

  /** Each seller's (and team's and region's) quota, achievement, attainment and bonus for a period, with the deals behind it. */
  @Get('attainment')
  @Roles('sales', 'analyst')
  async attainment(@Query() q: AttainmentQueryDto, @Req() req: FastifyRequest) {
    await this.consistency.await(req, q.minPosition);
    const identity = (req as AuthenticatedRequest).identity;
    // Sales see their own figures; a manager also their teams' and the team members'; analysts and admins everyone's.
    const seesAll = identity === undefined || identity.roles.includes('admin') || identity.roles.includes('analyst');
    const org = await this.readStore.get<SalesOrgDoc>(SALES_ORG, SALES_ORG_ID);
    const me = this.ctx.from(req).actor;
    const team = seesAll ? undefined : await this.teams.of(req);
    const visible = (r: { scope: string; name: string }) =>
      seesAll || (r.scope === 'owner' && (r.name === me || team!.members.includes(r.name))) || (r.scope === 'team' && team!.teams.includes(r.name));
    if (q.owner !== undefined && !seesAll && q.owner !== me && !team!.members.includes(q.owner)) throw forbidden('not_in_team', `${q.owner} is not in a team ${me} manages`, 'owner');
    const won = await this.wonDeals(q.period);
    const rows = attainmentReport(org, won, q.period).filter((r) => visible(r) && (q.owner === undefined || (r.scope === 'owner' && r.name === q.owner)));
    return { period: q.period, ...periodRange(q.period), items: rows, method: METHOD };
  }

  /** The regional offices: per region, its sellers, quota and attainment, open pipeline, and customers with open complaints. */
  @Get('regions')
  @Roles('sales', 'analyst')
  async regions(@Query() q: RegionsQueryDto, @Req() req: FastifyRequest) {
    await this.consistency.await(req, q.minPosition);
    const org = await this.readStore.get<SalesOrgDoc>(SALES_ORG, SALES_ORG_ID);
    const rows = attainmentReport(org, await this.wonDeals(q.period), q.period);
    const open = await this.all<DealDoc>(DEALS, [{ field: 'status', op: 'eq', value: 'open' }], 'expectedCloseDate');
    const byRegion = new Map<string, string[]>();
    for (const [owner, placed] of Object.entries(org?.sellers ?? {})) byRegion.set(placed.region, [...(byRegion.get(placed.region) ?? []), owner]);
    const items = [];
    for (const [region, sellers] of [...byRegion].sort(([a], [b]) => a.localeCompare(b))) {
      const members = new Set(sellers);
      const pipeline: Record<string, number> = {};
      let openDeals = 0;
      for (const d of open) {
        if (!members.has(d.owner)) continue;
        openDeals++;
        pipeline[d.currency] = (pipeline[d.currency] ?? 0) + d.amount;
      }
      const customersWithOpenComplaints = await this.readStore.count(CUSTOMERS, [
        { field: 'owner', op: 'in', value: sellers },
        { field: 'openComplaints', op: 'gte', value: 1 },
      ]);
      const own = rows.filter((r) => r.scope === 'region' && r.name === region);
      const won = rows.filter((r) => r.scope === 'owner' && members.has(r.name)).reduce<Record<string, number>>((acc, r) => ({ ...acc, [r.currency]: (acc[r.currency] ?? 0) + r.achieved }), {});
      items.push({ region, sellers: sellers.sort(), teams: [...new Set(sellers.map((s) => org!.sellers[s].team))].sort(), openDeals, openPipeline: pipeline, won, quotas: own.map(({ currency, quota, achieved, attainmentPct }) => ({ currency, quota, achieved, attainmentPct })), customersWithOpenComplaints });
    }
    return { period: q.period, ...periodRange(q.period), items, method: METHOD };
  }

  private async wonDeals(period: string) {
    const { from, to } = periodRange(period);
    return this.all<DealDoc>(DEALS, [
      { field: 'status', op: 'eq', value: 'won' },
      { field: 'closedAt', op: 'gte', value: from },
      { field: 'closedAt', op: 'lte', value: to },
    ], 'closedAt');
  }

  /**
   * Every document matching, page by page, in the order of `by` (keyset on it and _id): a field whose index follows the
   * filter's equality, so each page is a range of that index. Sorting on the equality field itself made every page sort
   * all the matches again (50,000 won deals: 3.6 s).
   */
  private async all<D extends DealDoc>(collection: string, filter: Parameters<ReadStore['find']>[1]['filter'], by: 'closedAt' | 'expectedCloseDate'): Promise<D[]> {
    const out: D[] = [];
    let after: { values: Array<string | number | boolean>; id: string } | undefined;
    for (;;) {
      const page = await this.readStore.find<D>(collection, { filter, sort: [{ field: by, direction: 'asc' }], limit: PAGE, ...(after && { after }) });
      out.push(...page.items);
      if (!page.next) return out;
      after = page.next;
    }
  }

  private run(req: FastifyRequest, reply: FastifyReply, command: SalesOrgCommand): Promise<CommandResult> {
    return this.respond.send(reply, new ExecuteSalesOrgCommand(command, this.ctx.from(req)));
  }
}
