import { Roles } from '../auth';
import { Body, Controller, Delete, HttpCode, Inject, Param, Patch, Post, Put, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import type { CommandResult } from '@touchpoint/application';
import { ID_GENERATOR, type IdGenerator } from '@touchpoint/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ExecuteCustomerCommand } from '../commands';
import { CommandContextFactory } from '../http/command-context.factory';
import { CommandResponder } from '../http/command-responder';
import { PathParam } from '../http/params';
import {
  AddContactPersonDto,
  CancelOrderDto,
  ChangeMarketingConsentDto,
  ChangePreferredChannelDto,
  ChangeProfileDto,
  EscalateComplaintDto,
  FileComplaintDto,
  PlaceOrderDto,
  RecordTouchpointDto,
  RegisterCustomerDto,
  ResolveComplaintDto,
  ReturnOrderDto,
} from './customer.dtos';

/** Writes on the customer record: thin shells that build a domain command and send it over the CommandBus. */
@ApiTags('customers')
@ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Retrying with the same key returns the first result and records nothing new.' })
@ApiHeader({ name: 'If-Match', required: false, description: 'Expected stream revision (the ETag of an earlier response); 409 when stale.' })
@ApiHeader({ name: 'X-Correlation-Id', required: false })
@Roles('sales')
@Controller('v1/customers')
export class CustomerCommandsController {
  constructor(
    private readonly ctx: CommandContextFactory,
    private readonly respond: CommandResponder,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  /** Register a person or a company as a customer. */
  @Post()
  register(@Body() dto: RegisterCustomerDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<CommandResult> {
    const { occurredAt, customerId, ...rest } = dto;
    const command = new ExecuteCustomerCommand(
      { type: 'RegisterCustomer', data: { ...rest, customerId: customerId?.toLowerCase() ?? this.ids.next(), occurredAt: this.respond.occurredAt(occurredAt) } },
      this.ctx.from(req),
    );
    return this.respond.send(reply, command, { created: (r) => `/v1/customers/${r.ids.customerId}` });
  }

  /** Change profile fields: name, email, phone, address, company, tags, owner. */
  @Patch(':id')
  changeProfile(@Param('id', PathParam.uuid('id')) customerId: string, @Body() dto: ChangeProfileDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const { occurredAt, ...changes } = dto;
    return this.respond.send(
      reply,
      new ExecuteCustomerCommand({ type: 'ChangeCustomerProfile', data: { customerId, changes, occurredAt: this.respond.occurredAt(occurredAt) } }, this.ctx.from(req)),
    );
  }

  @Post(':id/contacts')
  addContact(@Param('id', PathParam.uuid('id')) customerId: string, @Body() dto: AddContactPersonDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const { occurredAt, ...contact } = dto;
    const command = new ExecuteCustomerCommand(
      { type: 'AddContactPerson', data: { ...contact, customerId, contactId: this.ids.next(), occurredAt: this.respond.occurredAt(occurredAt) } },
      this.ctx.from(req),
    );
    return this.respond.send(reply, command, { created: () => `/v1/customers/${customerId}` });
  }

  @Delete(':id/contacts/:contactId')
  removeContact(
    @Param('id', PathParam.uuid('id')) customerId: string,
    @Param('contactId', PathParam.uuid('contactId')) contactId: string,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.respond.send(
      reply,
      new ExecuteCustomerCommand({ type: 'RemoveContactPerson', data: { customerId, contactId, occurredAt: this.respond.occurredAt(undefined) } }, this.ctx.from(req)),
    );
  }

  @Put(':id/preferred-channel')
  preferredChannel(@Param('id', PathParam.uuid('id')) customerId: string, @Body() dto: ChangePreferredChannelDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.respond.send(
      reply,
      new ExecuteCustomerCommand(
        { type: 'ChangePreferredChannel', data: { customerId, channel: dto.channel, occurredAt: this.respond.occurredAt(dto.occurredAt) } },
        this.ctx.from(req),
      ),
    );
  }

  @Put(':id/marketing-consent')
  marketingConsent(@Param('id', PathParam.uuid('id')) customerId: string, @Body() dto: ChangeMarketingConsentDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const { occurredAt, ...consent } = dto;
    return this.respond.send(
      reply,
      new ExecuteCustomerCommand({ type: 'ChangeMarketingConsent', data: { ...consent, customerId, occurredAt: this.respond.occurredAt(occurredAt) } }, this.ctx.from(req)),
    );
  }

  /**
   * GDPR erasure (admin): destroys the customer's data key, so its personal
   * fields read as erased everywhere, and records CustomerErased. The log is
   * not rewritten; amounts, dates and channels still count. Idempotent.
   */
  @Post(':id/erasure')
  @Roles('admin')
  @HttpCode(200)
  erase(@Param('id', PathParam.uuid('id')) customerId: string, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.respond.send(reply, new ExecuteCustomerCommand({ type: 'EraseCustomer', data: { customerId, occurredAt: this.respond.occurredAt(undefined) } }, this.ctx.from(req)));
  }

  /** Record a call, email, web visit, meeting, chat, SMS, letter or fax. */
  @Post(':id/touchpoints')
  recordTouchpoint(@Param('id', PathParam.uuid('id')) customerId: string, @Body() dto: RecordTouchpointDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const context = this.ctx.from(req);
    const { occurredAt, type, agent, ...rest } = dto;
    const command = new ExecuteCustomerCommand(
      {
        type: 'RecordTouchpoint',
        data: { ...rest, customerId, touchpointId: this.ids.next(), touchpointType: type, agent: agent ?? context.actor, occurredAt: this.respond.occurredAt(occurredAt) },
      },
      context,
    );
    return this.respond.send(reply, command, { created: () => `/v1/customers/${customerId}/history?category=touchpoint` });
  }

  @Post(':id/orders')
  placeOrder(@Param('id', PathParam.uuid('id')) customerId: string, @Body() dto: PlaceOrderDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const { occurredAt, orderId, lines, ...rest } = dto;
    const command = new ExecuteCustomerCommand(
      {
        type: 'PlaceOrder',
        data: { ...rest, ...(lines && { lines: lines.map((l) => ({ ...l })) }), customerId, orderId: orderId ?? this.ids.next(), occurredAt: this.respond.occurredAt(occurredAt) },
      },
      this.ctx.from(req),
    );
    return this.respond.send(reply, command, { created: () => `/v1/customers/${customerId}/history?category=order` });
  }

  @Post(':id/orders/:orderId/cancellation')
  cancelOrder(
    @Param('id', PathParam.uuid('id')) customerId: string,
    @Param('orderId', PathParam.businessId('orderId')) orderId: string,
    @Body() dto: CancelOrderDto,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { occurredAt, ...rest } = dto;
    return this.respond.send(
      reply,
      new ExecuteCustomerCommand({ type: 'CancelOrder', data: { ...rest, customerId, orderId, occurredAt: this.respond.occurredAt(occurredAt) } }, this.ctx.from(req)),
    );
  }

  @Post(':id/orders/:orderId/returns')
  returnOrder(
    @Param('id', PathParam.uuid('id')) customerId: string,
    @Param('orderId', PathParam.businessId('orderId')) orderId: string,
    @Body() dto: ReturnOrderDto,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { occurredAt, lines, ...rest } = dto;
    return this.respond.send(
      reply,
      new ExecuteCustomerCommand(
        {
          type: 'ReturnOrder',
          data: { ...rest, ...(lines && { lines: lines.map((l) => ({ ...l })) }), customerId, orderId, occurredAt: this.respond.occurredAt(occurredAt) },
        },
        this.ctx.from(req),
      ),
    );
  }

  /** File a complaint (a service case). */
  @Post(':id/complaints')
  fileComplaint(@Param('id', PathParam.uuid('id')) customerId: string, @Body() dto: FileComplaintDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const { occurredAt, complaintId, ...rest } = dto;
    const command = new ExecuteCustomerCommand(
      { type: 'FileComplaint', data: { ...rest, customerId, complaintId: complaintId ?? this.ids.next(), occurredAt: this.respond.occurredAt(occurredAt) } },
      this.ctx.from(req),
    );
    return this.respond.send(reply, command, { created: () => `/v1/customers/${customerId}/history?category=complaint` });
  }

  @Post(':id/complaints/:caseId/escalation')
  escalateComplaint(
    @Param('id', PathParam.uuid('id')) customerId: string,
    @Param('caseId', PathParam.businessId('caseId')) complaintId: string,
    @Body() dto: EscalateComplaintDto,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { occurredAt, ...rest } = dto;
    return this.respond.send(
      reply,
      new ExecuteCustomerCommand({ type: 'EscalateComplaint', data: { ...rest, customerId, complaintId, occurredAt: this.respond.occurredAt(occurredAt) } }, this.ctx.from(req)),
    );
  }

  @Post(':id/complaints/:caseId/resolution')
  resolveComplaint(
    @Param('id', PathParam.uuid('id')) customerId: string,
    @Param('caseId', PathParam.businessId('caseId')) complaintId: string,
    @Body() dto: ResolveComplaintDto,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { occurredAt, ...rest } = dto;
    return this.respond.send(
      reply,
      new ExecuteCustomerCommand({ type: 'ResolveComplaint', data: { ...rest, customerId, complaintId, occurredAt: this.respond.occurredAt(occurredAt) } }, this.ctx.from(req)),
    );
  }
}
