import { ConsistencyQuery } from '../queries/query.dtos';
import { conflict, ruleViolated } from '@touchpoint/domain';
import { Body, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import type { CommandResult } from '@touchpoint/application';
import { EVENT_STORE, type EventStore } from '@touchpoint/event-store';
import { CLOCK, ID_GENERATOR, type Clock, type IdGenerator } from '@touchpoint/platform';
import {
  combineCustomers,
  CUSTOMER_IDENTITY,
  CustomerLog,
  customerAsOf,
  READ_STORE,
  rootOf,
  type CustomerDoc,
  type IdentityDoc,
  type ReadStore,
} from '@touchpoint/read-models';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Roles } from '../auth';
import { ExecuteMerge, ExecuteUnmerge } from '../commands';
import { CommandContextFactory } from '../http/command-context.factory';
import { CommandResponder } from '../http/command-responder';
import { PathParam } from '../http/params';
import { BadRequestProblem } from '../http/problem';
import { Consistency } from '../queries/consistency';
import { present360, READ_SIDE_SETTINGS, type ReadSideSettings } from '../queries/read-model.queries';
import { LIFETIME_VALUE_MODELS, type LifetimeValueModels } from '../lifetime-value/lifetime-value-models';
import { MergeCustomerDto, MergePreviewQueryDto, UndoMergeDto } from './identity.dtos';

/** Merging duplicate records into one, previewing it first, and undoing it exactly. */
@ApiTags('customers')
@ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Retry-safe; also completes a merge interrupted between its two appends.' })
@ApiHeader({ name: 'If-Match', required: false, description: "Expected survivor stream revision; 409 when stale." })
@Roles('sales')
@Controller('v1/customers')
export class MergesController {
  private readonly log: CustomerLog;

  constructor(
    private readonly ctx: CommandContextFactory,
    private readonly respond: CommandResponder,
    private readonly bus: CommandBus,
    private readonly consistency: Consistency,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
    @Inject(READ_SIDE_SETTINGS) private readonly settings: ReadSideSettings,
    @Inject(LIFETIME_VALUE_MODELS) private readonly models: LifetimeValueModels,
  ) {
    this.log = new CustomerLog(events, readStore);
  }

  /** Merge the duplicate into this customer: CustomerMerged on both streams; the duplicate takes no more commands. */
  @Post(':id/merges')
  merge(@Param('id', PathParam.uuid('id')) survivorId: string, @Body() dto: MergeCustomerDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<CommandResult> {
    const duplicateId = dto.duplicateId.toLowerCase();
    if (duplicateId === survivorId) throw ruleViolated('merge_into_itself', 'a customer cannot be merged into itself', 'duplicateId');
    const command = new ExecuteMerge(
      { survivorId, duplicateId, mergeId: dto.mergeId?.toLowerCase() ?? this.ids.next(), reason: dto.reason, occurredAt: this.respond.occurredAt(dto.occurredAt) },
      this.ctx.from(req),
    );
    return this.respond.send(reply, command, { created: (r) => `/v1/customers/${survivorId}/merges/${r.ids.mergeId}` });
  }

  /**
   * Undo the merge: CustomerUnmerged on both streams; both records read again as if the merge had never happened.
   * Touchpoints recorded on the survivor meanwhile stay with it unless `reassignEventIds` names them.
   */
  @Post(':id/merges/:mergeId/undo')
  @HttpCode(200)
  undo(
    @Param('id', PathParam.uuid('id')) survivorId: string,
    @Param('mergeId', PathParam.uuid('mergeId')) mergeId: string,
    @Body() dto: UndoMergeDto,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CommandResult> {
    return this.respond.send(reply, new ExecuteUnmerge({ survivorId, mergeId, reason: dto.reason, occurredAt: this.respond.occurredAt(dto.occurredAt), reassign: dto.reassignEventIds }, this.ctx.from(req)));
  }

  /** The merges in effect on this customer's record: what it absorbed (with merge ids), or what it was merged into. */
  @Get(':id/merges')
  @Roles('sales', 'analyst', 'auditor')
  async list(@Param('id', PathParam.uuid('id')) id: string, @Query() q: ConsistencyQuery, @Req() req: FastifyRequest) {
    await this.consistency.await(req, q.minPosition);
    const identity = await this.readStore.get<IdentityDoc>(CUSTOMER_IDENTITY, id);
    return {
      customerId: id,
      mergedInto: identity?.mergedInto ?? null,
      absorbed: Object.entries(identity?.absorbed ?? {}).map(([mergeId, customerId]) => ({ mergeId, customerId })),
    };
  }

  /**
   * Dry run: the 360 the survivor would have after merging the duplicate, folded from both groups' own events with the
   * live projection's code and combined as the merge would; nothing is written.
   */
  @Get(':id/merges/preview')
  @Roles('sales', 'analyst')
  async preview(@Param('id', PathParam.uuid('id')) survivorId: string, @Query() q: MergePreviewQueryDto, @Req() req: FastifyRequest) {
    const duplicateId = q.duplicateId.toLowerCase();
    if (duplicateId === survivorId) throw ruleViolated('merge_into_itself', 'a customer cannot be merged into itself', 'duplicateId');
    await this.consistency.await(req, Math.max(q.minPosition ?? 0, await this.events.headPosition()));
    const identities = new Map<string, IdentityDoc | undefined>();
    const identityOf = async (id: string) => {
      if (!identities.has(id)) identities.set(id, await this.readStore.get<IdentityDoc>(CUSTOMER_IDENTITY, id));
      return identities.get(id);
    };
    // Load the identity documents of both groups, then walk them with the projection's own functions.
    for (const id of [survivorId, duplicateId]) {
      let next: string | undefined = id;
      while (next !== undefined) next = (await identityOf(next))?.mergedInto?.survivorId;
    }
    const read = (id: string) => identities.get(id);
    const survivorRoot = rootOf(survivorId, read);
    const duplicateRoot = rootOf(duplicateId, read);
    if (survivorRoot !== survivorId) throw conflict('customer_merged', `customer ${survivorId} was merged into ${survivorRoot}; preview with ${survivorRoot}`, 'id');
    if (duplicateRoot === survivorId) throw conflict('already_merged', `customer ${duplicateId} is already merged into ${survivorId}`, 'duplicateId');
    const group = async (root: string) => {
      const ids = [root];
      for (let i = 0; i < ids.length; i++) for (const member of Object.values((await identityOf(ids[i]))?.absorbed ?? {})) ids.push(member);
      return ids;
    };
    const parts: CustomerDoc[] = [];
    for (const id of [...(await group(survivorRoot)), ...(await group(duplicateRoot))]) {
      const part = await this.partOf(id);
      if (!part) throw new NotFoundException(`customer ${id} does not exist`);
      parts.push(part);
    }
    const [survivor, ...others] = parts;
    const combined = combineCustomers(survivor, others);
    const now = this.clock.now().toISOString();
    return { dryRun: true, survivorId, duplicateId, customer: present360(combined, await this.models.lifetimeValue(combined, now, this.settings.horizonDays)) };
  }

  /** A record's own 360, folded from its own events (its stream and its deals'), as the projection folds them. */
  private async partOf(customerId: string): Promise<CustomerDoc | undefined> {
    return (await customerAsOf(this.log.iterate(customerId, 1000), { time: 'record', instant: '9999-12-31T23:59:59.999Z' })).doc;
  }

}
