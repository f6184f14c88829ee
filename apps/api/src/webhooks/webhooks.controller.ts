import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import type { AggregateRunner, CommandResult } from '@touchpoint/application';
import { assertWebhookUrl, notFound, ruleViolated, WEBHOOK_SUBSCRIPTIONS_STREAM, type WebhookCommand, type WebhookSubscriptionState } from '@touchpoint/domain';
import { EVENT_STORE, type EventStore } from '@touchpoint/event-store';
import { ID_GENERATOR, type IdGenerator } from '@touchpoint/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isIP } from 'node:net';
import { Roles } from '../auth';
import { AGGREGATE_RUNNER, ExecuteWebhookCommand, webhookAggregate } from '../commands';
import { CommandContextFactory } from '../http/command-context.factory';
import { CommandResponder } from '../http/command-responder';
import { PathParam } from '../http/params';
import { WEBHOOKS, type WebhookInfrastructure } from './webhooks.infrastructure';
import { CreateSubscriptionDto, DeliveryLogQueryDto, RedeliverDto } from './webhooks.dtos';

/**
 * Webhook subscriptions (admin, service): each change an event on the `webhook-subscriptions` stream. The dispatcher
 * process sends; here the delivery state it keeps is read back (progress, log, dead letters).
 */
/** How far the dispatcher has got with a subscription. */
export interface WebhookDelivery {
  /** the last global position read into pending (or skipped by the filter) */
  cursor: number;
  /** events not yet acknowledged: read but pending, plus those the dispatcher has not read yet (filtered or not) */
  lagEvents: number;
  pending: number;
  oldestPendingRecordedAt: string | null;
  delivered: number;
  failedAttempts: number;
  deadLetters: number;
  lastDeliveredAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
}

/** A webhook subscription as reads answer it: its settings and state, and its delivery progress (null until the dispatcher has picked it up). */
export type WebhookSubscriptionView = WebhookSubscriptionState & { delivery: WebhookDelivery | null };

@ApiTags('webhooks')
@Roles('service')
@ApiHeader({ name: 'Idempotency-Key', required: false })
@Controller('v1/subscriptions')
export class WebhooksController {
  constructor(
    private readonly ctx: CommandContextFactory,
    private readonly respond: CommandResponder,
    @Inject(AGGREGATE_RUNNER) private readonly runner: AggregateRunner,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(WEBHOOKS) private readonly webhooks: WebhookInfrastructure,
    @Inject(ID_GENERATOR) private readonly ids: IdGenerator,
  ) {}

  /** Subscribe a URL; the answer carries the signing secret, shown this once. */
  @Post()
  async create(@Body() dto: CreateSubscriptionDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    assertWebhookUrl(dto.url);
    const host = new URL(dto.url).hostname.replace(/^\[(.*)\]$/, '$1');
    if ((isIP(host) && !this.webhooks.policy.allows(host)) || (host === 'localhost' && !this.webhooks.policy.allows('127.0.0.1')))
      throw ruleViolated('url_not_allowed', `${host} is a private or reserved address; an operator may allow its network (TOUCHPOINT_WEBHOOK_ALLOW_NETWORKS)`, 'url');
    const subscriptionId = dto.subscriptionId?.toLowerCase() ?? this.ids.next();
    const result = await this.run(
      req,
      reply,
      {
        type: 'CreateWebhookSubscription',
        data: {
          subscriptionId,
          url: dto.url,
          filter: { types: dto.types ?? null, categories: dto.categories ?? null, customerId: dto.customerId?.toLowerCase() ?? null },
          fromPosition: dto.fromPosition ?? null,
          description: dto.description ?? null,
          occurredAt: this.respond.occurredAt(undefined),
        },
      },
      true,
    );
    const sub = await this.find(subscriptionId);
    return { ...result, subscription: await this.present(sub), secret: this.webhooks.secrets.secretFor(subscriptionId, sub.secretVersion) };
  }

  @Get()
  async list(): Promise<{ items: WebhookSubscriptionView[] }> {
    const { state } = await this.runner.load(webhookAggregate, WEBHOOK_SUBSCRIPTIONS_STREAM);
    const subs = Object.values(state.subscriptions).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.subscriptionId.localeCompare(b.subscriptionId));
    return { items: await Promise.all(subs.map((s) => this.present(s))) };
  }

  @Get(':id')
  async get(@Param('id', PathParam.uuid('id')) id: string) {
    return this.present(await this.find(id));
  }

  /** Stop sending; events keep being remembered from where it stopped. */
  @Post(':id/pause')
  @HttpCode(200)
  pause(@Param('id', PathParam.uuid('id')) id: string, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.run(req, reply, { type: 'PauseWebhookSubscription', data: { subscriptionId: id, occurredAt: this.respond.occurredAt(undefined) } });
  }

  /** Continue a paused subscription, or re-enable a disabled one: pending deliveries are retried at once, with a fresh horizon. */
  @Post(':id/resume')
  @HttpCode(200)
  resume(@Param('id', PathParam.uuid('id')) id: string, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.run(req, reply, { type: 'ResumeWebhookSubscription', data: { subscriptionId: id, occurredAt: this.respond.occurredAt(undefined) } });
  }

  /** A new signing secret, shown this once; the previous one keeps signing beside it for 24 hours. */
  @Post(':id/secret')
  @HttpCode(200)
  async rotate(@Param('id', PathParam.uuid('id')) id: string, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const result = await this.run(req, reply, { type: 'RotateWebhookSecret', data: { subscriptionId: id, occurredAt: this.respond.occurredAt(undefined) } });
    const sub = await this.find(id);
    return { ...result, secretVersion: sub.secretVersion, secret: this.webhooks.secrets.secretFor(id, sub.secretVersion) };
  }

  /** Send again: every matching event from `fromPosition` on, or (`deadLetters: true`) the dead-lettered ones. */
  @Post(':id/redeliver')
  @HttpCode(200)
  redeliver(@Param('id', PathParam.uuid('id')) id: string, @Body() dto: RedeliverDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.run(req, reply, {
      type: 'RequestWebhookRedelivery',
      data: { subscriptionId: id, requestId: this.ids.next(), fromPosition: dto.fromPosition ?? null, deadLetters: dto.deadLetters === true, occurredAt: this.respond.occurredAt(undefined) },
    });
  }

  @Delete(':id')
  @HttpCode(200)
  async remove(@Param('id', PathParam.uuid('id')) id: string, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.run(req, reply, { type: 'DeleteWebhookSubscription', data: { subscriptionId: id, occurredAt: this.respond.occurredAt(undefined) } });
  }

  /** The delivery log, newest first: every attempt with its outcome, HTTP status, latency and error (the last 1000 kept). */
  @Get(':id/deliveries')
  async deliveries(@Param('id', PathParam.uuid('id')) id: string, @Query() q: DeliveryLogQueryDto) {
    await this.find(id);
    return { items: await this.webhooks.state.deliveries(id, q.limit ?? 100) };
  }

  /** Events whose delivery was given up, with the last error; `POST …/redeliver {"deadLetters": true}` sends them again. */
  @Get(':id/dead-letters')
  async deadLetters(@Param('id', PathParam.uuid('id')) id: string, @Query() q: DeliveryLogQueryDto) {
    await this.find(id);
    return { items: await this.webhooks.state.deadLetters(id, q.limit ?? 100) };
  }

  private async find(id: string): Promise<WebhookSubscriptionState> {
    const { state } = await this.runner.load(webhookAggregate, WEBHOOK_SUBSCRIPTIONS_STREAM);
    const sub = state.subscriptions[id];
    if (!sub) throw notFound('subscription_not_found', `no webhook subscription ${id}`, 'id');
    return sub;
  }

  private async present(sub: WebhookSubscriptionState): Promise<WebhookSubscriptionView> {
    const progress = await this.webhooks.state.progress(sub.subscriptionId);
    const head = await this.store.headPosition();
    return {
      ...sub,
      delivery: progress
        ? {
            cursor: progress.cursor,
            lagEvents: Math.max(0, head - progress.cursor) + progress.pending,
            pending: progress.pending,
            oldestPendingRecordedAt: progress.oldestPendingRecordedAt,
            delivered: progress.delivered,
            failedAttempts: progress.failed,
            deadLetters: progress.deadLetters,
            lastDeliveredAt: progress.lastDeliveredAt,
            lastError: progress.lastError,
            lastErrorAt: progress.lastErrorAt,
          }
        : null, // the dispatcher has not picked it up yet
    };
  }

  private run(req: FastifyRequest, reply: FastifyReply, command: WebhookCommand, created = false): Promise<CommandResult> {
    return this.respond.send(reply, new ExecuteWebhookCommand(command, this.ctx.from(req)), created ? { created: () => `/v1/subscriptions/${command.data.subscriptionId}` } : {});
  }
}
