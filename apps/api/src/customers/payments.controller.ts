import { Body, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import type { CommandResult } from '@touchpoint/application';
import { CLOCK, ID_GENERATOR, type Clock, type IdGenerator } from '@touchpoint/platform';
import { CUSTOMERS, READ_STORE, type CustomerDoc, type ReadStore } from '@touchpoint/read-models';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Roles } from '../auth';
import { ExecuteCustomerCommand } from '../commands';
import { CommandContextFactory } from '../http/command-context.factory';
import { CommandResponder } from '../http/command-responder';
import { PathParam } from '../http/params';
import { Consistency } from '../queries/consistency';
import { ConsistencyQuery } from '../queries/query.dtos';
import { customerGroup, presentPayments } from '../queries/read-model.queries';
import { IssueInvoiceDto, RecordPaymentDto, WriteOffInvoiceDto } from './payments.dtos';

const DAY_MS = 86_400_000;

/** Payment history on the customer's record: invoices, payments (in part or in full) and write-offs, as events. */
@ApiTags('customers')
@ApiHeader({ name: 'Idempotency-Key', required: false })
@ApiHeader({ name: 'If-Match', required: false, description: 'Expected customer stream revision; 409 when stale.' })
@Roles('sales')
@Controller('v1/customers')
export class PaymentsController {
  constructor(
    private readonly ctx: CommandContextFactory,
    private readonly respond: CommandResponder,
    private readonly consistency: Consistency,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(READ_STORE) private readonly readStore: ReadStore,
  ) {}

  @Post(':id/invoices')
  issue(@Param('id', PathParam.uuid('id')) customerId: string, @Body() dto: IssueInvoiceDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<CommandResult> {
    const { occurredAt, invoiceId, ...rest } = dto;
    const command = new ExecuteCustomerCommand({ type: 'IssueInvoice', data: { ...rest, customerId, invoiceId: invoiceId ?? this.ids.next(), occurredAt: this.respond.occurredAt(occurredAt) } }, this.ctx.from(req));
    return this.respond.send(reply, command, { created: () => `/v1/customers/${customerId}/payments` });
  }

  @Post(':id/invoices/:invoiceId/payments')
  pay(
    @Param('id', PathParam.uuid('id')) customerId: string,
    @Param('invoiceId', PathParam.businessId('invoiceId')) invoiceId: string,
    @Body() dto: RecordPaymentDto,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CommandResult> {
    const { occurredAt, paymentId, ...rest } = dto;
    const command = new ExecuteCustomerCommand({ type: 'RecordPayment', data: { ...rest, customerId, invoiceId, paymentId: paymentId ?? this.ids.next(), occurredAt: this.respond.occurredAt(occurredAt) } }, this.ctx.from(req));
    return this.respond.send(reply, command, { created: () => `/v1/customers/${customerId}/payments` });
  }

  @Post(':id/invoices/:invoiceId/write-off')
  @HttpCode(200)
  writeOff(
    @Param('id', PathParam.uuid('id')) customerId: string,
    @Param('invoiceId', PathParam.businessId('invoiceId')) invoiceId: string,
    @Body() dto: WriteOffInvoiceDto,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CommandResult> {
    const command = new ExecuteCustomerCommand({ type: 'WriteOffInvoice', data: { customerId, invoiceId, reason: dto.reason, occurredAt: this.respond.occurredAt(dto.occurredAt) } }, this.ctx.from(req));
    return this.respond.send(reply, command);
  }

  /** The customer's payment figures now, with each open invoice (a merged id answers for its survivor's group). */
  @Get(':id/payments')
  @Roles('sales', 'analyst', 'auditor')
  async payments(@Param('id', PathParam.uuid('id')) customerId: string, @Query() q: ConsistencyQuery, @Req() req: FastifyRequest) {
    await this.consistency.await(req, q.minPosition);
    const { root } = await customerGroup(this.readStore, customerId);
    const doc = await this.readStore.get<CustomerDoc>(CUSTOMERS, root);
    if (!doc) throw new NotFoundException(`customer ${customerId} has no read model (unknown, or not projected yet: pass minPosition to wait)`);
    const asOf = this.clock.now().toISOString();
    const now = Date.parse(asOf);
    const openInvoices = Object.entries(doc.payments?.open ?? {})
      .map(([invoiceId, i]) => ({ invoiceId, ...i, daysOverdue: Math.max(0, Math.floor((now - Date.parse(`${i.dueDate}T23:59:59.999Z`)) / DAY_MS) + 1) }))
      .sort((a, b) => (a.dueDate < b.dueDate ? -1 : a.dueDate > b.dueDate ? 1 : 0));
    return { customerId: root, ...presentPayments(doc.payments, asOf), openInvoiceList: openInvoices, projectedThrough: doc._position };
  }
}
