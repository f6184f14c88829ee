import { ruleViolated } from '@touchpoint/domain';
import { Roles } from '../auth';
import { Controller, Get, Inject, Param, Query, Req } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import { normaliseInstant } from '@touchpoint/domain';
import { nameSearchKey, prefixRange, type Condition, type SortKey } from '@touchpoint/read-models';
import type { FastifyRequest } from 'fastify';
import { CLOCK, type Clock } from '@touchpoint/platform';
import { PathParam } from '../http/params';
import { BadRequestProblem } from '../http/problem';
import { Consistency } from './consistency';
import { endOf } from '../lifetime-value/lifetime-value.dtos';
import { ConsistencyQuery, HistoryQueryDto, LifetimeValueQueryDto, ListCustomersQueryDto } from './query.dtos';
import { CsvExport } from '../http/csv';
import { customersTable, historyTable, valueDistributionTable } from '../http/csv-tables';
import {
  GetCustomer360,
  GetCustomerHistory,
  GetDeal,
  GetLifetimeValue,
  GetServiceAnalytics,
  GetValueDistribution,
  ListCustomers,
} from './read-model.queries';

const instant = (value: string, field: string) => normaliseInstant(value, field);

/** Each query parameter becomes a whitelisted field/operator pair; values stay values. */
export function customerFilter(q: ListCustomersQueryDto, now: Date): Condition[] {
  const f: Condition[] = [];
  if (q.tier) f.push({ field: 'tier', op: 'in', value: q.tier });
  if (q.rfmSegment) f.push({ field: 'rfmSegment', op: 'in', value: q.rfmSegment });
  if (q.kind) f.push({ field: 'kind', op: 'eq', value: q.kind });
  if (q.owner !== undefined) f.push({ field: 'owner', op: 'eq', value: q.owner });
  if (q.tag !== undefined) f.push({ field: 'tags', op: 'has', value: q.tag.trim().toLowerCase() });
  if (q.currency) f.push({ field: 'currency', op: 'eq', value: q.currency });
  if (q.minRevenue !== undefined) f.push({ field: 'revenue', op: 'gte', value: q.minRevenue });
  if (q.maxRevenue !== undefined) f.push({ field: 'revenue', op: 'lte', value: q.maxRevenue });
  if (q.minPredictedValue !== undefined) f.push({ field: 'predictedValue', op: 'gte', value: q.minPredictedValue });
  if (q.maxPredictedValue !== undefined) f.push({ field: 'predictedValue', op: 'lte', value: q.maxPredictedValue });
  if (q.name !== undefined) {
    const key = nameSearchKey(q.name);
    // Only marks (a lone accent) normalise to nothing: there is no name to search by.
    if (key === '') throw new BadRequestProblem([{ field: 'name', code: 'matches', message: 'name must contain a letter or digit to search by' }]);
    const { from, below } = prefixRange(key);
    f.push({ field: 'nameKey', op: 'gte', value: from }, { field: 'nameKey', op: 'lt', value: below });
  }
  if (q.lastActivityFrom) f.push({ field: 'lastActivityAt', op: 'gte', value: instant(q.lastActivityFrom, 'lastActivityFrom') });
  if (q.lastActivityTo) f.push({ field: 'lastActivityAt', op: 'lte', value: instant(q.lastActivityTo, 'lastActivityTo') });
  if (q.minOpenComplaints !== undefined) f.push({ field: 'openComplaints', op: 'gte', value: q.minOpenComplaints });
  if (q.externalId !== undefined) f.push({ field: 'externalId', op: 'eq', value: q.externalId });
  if (q.maxPaymentReliability !== undefined) f.push({ field: 'paymentReliability', op: 'lte', value: q.maxPaymentReliability });
  // An open task due before now: its soonest due time is before now (the store compares inclusively).
  if (q.overdueTasks === 'true') f.push({ field: 'nextTaskDueAt', op: 'lte', value: new Date(now.getTime() - 1).toISOString() });
  return f;
}

@ApiTags('customers')
@ApiHeader({ name: 'X-Min-Position', required: false, description: 'Read-your-writes: wait until the read models include this global position (503 + Retry-After if not in time).' })
@Roles('sales', 'analyst')
@Controller('v1/customers')
export class CustomerQueriesController {
  constructor(
    private readonly queries: QueryBus,
    private readonly consistency: Consistency,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Customers filtered by tier, RFM segment, value, activity, owner or tag; sorted; cursor pages. */
  @Get()
  @CsvExport('customers', customersTable)
  async list(@Query() q: ListCustomersQueryDto, @Req() req: FastifyRequest) {
    await this.consistency.await(req, q.minPosition);
    const sortSpec = q.sort ?? '-lastActivityAt';
    // Value is money in the customer's primary currency: comparing it across currencies would mix them.
    const byValue = /revenue|margin|predictedValue/.test(sortSpec) || [q.minRevenue, q.maxRevenue, q.minPredictedValue, q.maxPredictedValue].some((v) => v !== undefined);
    if (byValue && !q.currency) {
      throw ruleViolated('currency_required', 'sorting or filtering by revenue, margin or predicted value needs currency=XXX (values are never compared across currencies)', 'currency');
    }
    const sort: SortKey[] = [{ field: sortSpec.replace(/^-/, ''), direction: sortSpec.startsWith('-') ? 'desc' : 'asc' }];
    return this.queries.execute(new ListCustomers(customerFilter(q, this.clock.now()), sort, q.limit ?? 50, q.cursor));
  }

  /** The customer 360: profile, contacts, consent, touchpoint counts, complaints, deals, orders, lifetime value, tier. */
  @Get(':id')
  async get360(@Param('id', PathParam.uuid('id')) id: string, @Query() q: ConsistencyQuery, @Req() req: FastifyRequest) {
    await this.consistency.await(req, q.minPosition);
    return this.queries.execute(new GetCustomer360(id));
  }

  /** Everything that happened with the customer, by business time. */
  @Roles('sales', 'analyst', 'auditor')
  @Get(':id/history')
  @CsvExport('history', historyTable)
  async history(@Param('id', PathParam.uuid('id')) id: string, @Query() q: HistoryQueryDto, @Req() req: FastifyRequest) {
    await this.consistency.await(req, q.minPosition);
    const filter: Condition[] = [];
    if (q.channel) filter.push({ field: 'channel', op: 'in', value: q.channel });
    if (q.type) filter.push({ field: 'type', op: 'in', value: q.type });
    if (q.category) filter.push({ field: 'category', op: 'in', value: q.category });
    if (q.from) filter.push({ field: 'occurredAt', op: 'gte', value: instant(q.from, 'from') });
    if (q.to) filter.push({ field: 'occurredAt', op: 'lt', value: instant(q.to, 'to') });
    return this.queries.execute(new GetCustomerHistory(id, filter, q.order ?? 'newest', q.limit ?? 50, q.cursor));
  }

  @Get(':id/lifetime-value')
  async lifetimeValue(@Param('id', PathParam.uuid('id')) id: string, @Query() q: LifetimeValueQueryDto, @Req() req: FastifyRequest) {
    await this.consistency.await(req, q.minPosition);
    return this.queries.execute(new GetLifetimeValue(id, q.horizonDays, q.asOf === undefined ? undefined : endOf(q.asOf, 'asOf')));
  }
}

@ApiTags('deals')
@Roles('sales', 'analyst')
@Controller('v1/deals')
export class DealQueriesController {
  constructor(
    private readonly queries: QueryBus,
    private readonly consistency: Consistency,
  ) {}

  /** One deal as projected: stage, amount, status, stages visited. */
  @Get(':id')
  async get(@Param('id', PathParam.uuid('id')) id: string, @Query() q: ConsistencyQuery, @Req() req: FastifyRequest) {
    await this.consistency.await(req, q.minPosition);
    return this.queries.execute(new GetDeal(id));
  }
}

@ApiTags('analytics')
@Roles('analyst', 'sales')
@Controller('v1')
export class AnalyticsController {
  constructor(
    private readonly queries: QueryBus,
    private readonly consistency: Consistency,
  ) {}

  /** What share of revenue and margin the top 1/5/10/20/50 % of customers bring, per currency. */
  @Get('analytics/value-distribution')
  @CsvExport('value-distribution', valueDistributionTable)
  async valueDistribution(@Query() q: ConsistencyQuery, @Req() req: FastifyRequest) {
    await this.consistency.await(req, q.minPosition);
    return this.queries.execute(new GetValueDistribution());
  }

  /** Complaints open and resolved, time to resolution and satisfaction, per category. */
  @Get('analytics/service')
  async service(@Query() q: ConsistencyQuery, @Req() req: FastifyRequest) {
    await this.consistency.await(req, q.minPosition);
    return this.queries.execute(new GetServiceAnalytics());
  }
}
