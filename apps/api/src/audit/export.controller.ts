import { Roles } from '../auth';
import { Controller, Get, Inject, NotFoundException, Param, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { EVENT_STORE, type EventStore } from '@touchpoint/event-store';
import { CLOCK, type Clock } from '@touchpoint/platform';
import { CustomerLog, READ_STORE, customerAsOf, customerStreamOf, type AuditEvent, type ReadStore } from '@touchpoint/read-models';
import type { FastifyRequest } from 'fastify';
import { PathParam } from '../http/params';
import { Consistency } from '../queries/consistency';

const GROUP: Record<string, 'consents' | 'touchpoints' | 'orders' | 'complaints' | 'deals' | 'profile'> = {
  MarketingConsentChanged: 'consents',
  PreferredChannelChanged: 'consents',
  TouchpointRecorded: 'touchpoints',
  OrderPlaced: 'orders',
  OrderCancelled: 'orders',
  OrderReturned: 'orders',
  ComplaintFiled: 'complaints',
  ComplaintEscalated: 'complaints',
  ComplaintResolved: 'complaints',
};

/** GDPR access request / portability: everything recorded about one customer, decrypted, as JSON. */
@ApiTags('customers')
@Roles('auditor')
@Controller('v1/customers')
export class CustomerExportController {
  private readonly log: CustomerLog;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_STORE) readStore: ReadStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly consistency: Consistency,
  ) {
    this.log = new CustomerLog(store, readStore);
  }

  @Get(':id/export')
  async export(@Param('id', PathParam.uuid('id')) id: string, @Req() req: FastifyRequest) {
    if ((await this.store.streamRevision(customerStreamOf(id))) < 0) throw new NotFoundException(`customer ${id} has no events`);
    await this.consistency.await(req, await this.store.headPosition());
    const events: AuditEvent[] = [];
    for await (const e of this.log.iterate(id)) events.push(e);
    const exportedAt = this.clock.now().toISOString();
    const { doc } = await customerAsOf(
      (async function* () {
        yield* events;
      })(),
      { time: 'record', instant: exportedAt },
    );
    // The event's own fields beside its type and times (an open map: they differ by type).
    const item = (e: AuditEvent): Record<string, unknown> & Pick<AuditEvent, 'type' | 'occurredAt' | 'recordedAt'> => ({ type: e.type, occurredAt: e.occurredAt, recordedAt: e.recordedAt, ...e.data });
    const byGroup = (group: string) => events.filter((e) => GROUP[e.type] === group).map(item);
    const deals: Record<string, unknown[]> = {};
    for (const e of events.filter((x) => x.type.startsWith('Deal'))) (deals[String(e.data.dealId)] ??= []).push(item(e));
    return {
      customerId: id,
      exportedAt,
      profile: doc && {
        kind: doc.kind,
        name: doc.name,
        email: doc.email,
        phone: doc.phone,
        address: doc.address,
        company: doc.company,
        tags: doc.tags,
        owner: doc.owner,
        registeredAt: doc.registeredAt,
        preferredChannel: doc.preferredChannel,
        marketingConsent: doc.marketingConsent,
      },
      contacts: doc?.contacts ?? [],
      profileHistory: events.filter((e) => e.type.startsWith('Customer') || e.type.startsWith('ContactPerson')).map(item),
      consents: byGroup('consents'),
      touchpoints: byGroup('touchpoints'),
      orders: byGroup('orders'),
      complaints: byGroup('complaints'),
      deals: Object.entries(deals).map(([dealId, history]) => ({ dealId, history })),
    };
  }
}
