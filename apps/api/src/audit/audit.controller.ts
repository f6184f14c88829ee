import { QueryNumber } from '../http/validators';
import { ruleViolated } from '@touchpoint/domain';
import { Roles } from '../auth';
import { Controller, Get, HttpException, HttpStatus, Inject, NotFoundException, Param, Query, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { normaliseInstant } from '@touchpoint/domain';
import { CHECKPOINT_STORE, chainHead, EVENT_STORE, isChainedEventStore, signCheckpoint, verifyChains, verifyWithCheckpoints, type CheckpointStore, type EventStore, type SignedCheckpoint, type VerifyReport, type VerifyWithCheckpointsReport } from '@touchpoint/event-store';
import { CLOCK, type Clock } from '@touchpoint/platform';
import { LIFETIME_VALUE_MODELS, type LifetimeValueModels } from '../lifetime-value/lifetime-value-models';
import { CustomerLog, READ_STORE, customerAsOf, customerStreamOf, type AsOf, type LogCursor, type ReadStore } from '@touchpoint/read-models';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { PathParam } from '../http/params';
import { BadRequestProblem } from '../http/problem';
import { Consistency } from '../queries/consistency';
import { present360, READ_SIDE_SETTINGS, type ReadSideSettings } from '../queries/read-model.queries';
import type { SigningKey } from './signing-key';

export const SIGNING_KEY = Symbol('SIGNING_KEY');

export class AuditEventsQuery {
  @IsOptional() @QueryNumber() @IsInt() @Min(1) @Max(1000) limit?: number;
  @IsOptional() @IsString() @MaxLength(8192) @Matches(/^[A-Za-z0-9_-]+$/) cursor?: string;
  /** ndjson streams every event (no paging); also chosen by `Accept: application/x-ndjson` */
  @IsOptional() @IsIn(['json', 'ndjson']) format?: 'json' | 'ndjson';
}

export class AuditStateQuery {
  /** an ISO instant with a zone, or a global position (digits); absent: now */
  @IsOptional() @IsString() @MaxLength(40) asOf?: string;
  @IsOptional() @IsIn(['record', 'business']) time?: 'record' | 'business';
  @IsOptional() @IsIn(['true', 'false']) explain?: 'true' | 'false';
}

export class VerifyQuery {
  @IsOptional() @QueryNumber() @IsInt() @Min(1) from?: number;
}

export class CheckpointsQuery {
  /** only checkpoints at a global position after this one */
  @IsOptional() @QueryNumber() @IsInt() @Min(0) after?: number;
  @IsOptional() @QueryNumber() @IsInt() @Min(1) @Max(1000) limit?: number;
}

const encodeCursor = (c: LogCursor) => Buffer.from(JSON.stringify(c)).toString('base64url');

function decodeCursor(value: string): LogCursor {
  const bad = () => ruleViolated('invalid_cursor', 'cursor must be a nextCursor value returned by this endpoint', 'cursor');
  let c: unknown;
  try {
    c = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  const cursor = c as LogCursor;
  if (!cursor || typeof cursor !== 'object' || !Number.isSafeInteger(cursor.after) || cursor.after < 0 || !cursor.next || typeof cursor.next !== 'object' || Array.isArray(cursor.next)) throw bad();
  for (const [k, v] of Object.entries(cursor.next)) if (typeof k !== 'string' || !Number.isSafeInteger(v) || v < 0) throw bad();
  return { after: cursor.after, next: { ...cursor.next } };
}

/**
 * What an auditor needs from the log itself: a customer's full history with
 * metadata, its state as of any moment, the chains' verification and signed
 * checkpoints. Reads the event store directly; only the list of a customer's
 * deals comes from the read side (after waiting for it to reach the head).
 */
@ApiTags('audit')
@Roles('auditor')
@Controller('v1/audit')
export class AuditController {
  private readonly log: CustomerLog;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_STORE) readStore: ReadStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SIGNING_KEY) private readonly key: SigningKey,
    @Inject(READ_SIDE_SETTINGS) private readonly settings: ReadSideSettings,
    private readonly consistency: Consistency,
    @Inject(CHECKPOINT_STORE) private readonly checkpoints: CheckpointStore | null,
    @Inject(LIFETIME_VALUE_MODELS) private readonly models: LifetimeValueModels,
  ) {
    this.log = new CustomerLog(store, readStore);
  }

  private async streamsOf(customerId: string, req: FastifyRequest): Promise<string[]> {
    if ((await this.store.streamRevision(customerStreamOf(customerId))) < 0) throw new NotFoundException(`customer ${customerId} has no events`);
    // The deal index is a read model: let it catch up with the log as it is now.
    await this.consistency.await(req, await this.store.headPosition());
    return this.log.streams(customerId);
  }

  /** Every event that concerns the customer (its stream and its deals' streams), in global order, with all metadata. */
  @Get('customers/:id/events')
  async events(@Param('id', PathParam.uuid('id')) id: string, @Query() q: AuditEventsQuery, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const ndjson = q.format === 'ndjson' || (q.format === undefined && String(req.headers.accept ?? '').includes('application/x-ndjson'));
    const cursor = q.cursor ? decodeCursor(q.cursor) : { after: 0, next: {} };
    const streams = await this.streamsOf(id, req);
    if (ndjson) {
      const log = this.log;
      // Pulled page by page as the socket drains: memory stays flat whatever the history's length.
      async function* lines() {
        let c = cursor;
        for (;;) {
          const page = await log.page(streams, c, 500);
          for (const e of page.events) yield `${JSON.stringify(e)}\n`;
          c = page.cursor;
          if (page.done || page.events.length === 0) return;
        }
      }
      reply.header('content-type', 'application/x-ndjson; charset=utf-8');
      return Readable.from(lines(), { objectMode: false, highWaterMark: 64 * 1024 });
    }
    const page = await this.log.page(streams, cursor, q.limit ?? 100);
    return { customerId: id, streams, events: page.events, ...(!page.done && { nextCursor: encodeCursor(page.cursor) }) };
  }

  /** The customer 360 and lifetime value as they stood at a moment, replayed with the live projection code. */
  @Get('customers/:id/state')
  async state(@Param('id', PathParam.uuid('id')) id: string, @Query() q: AuditStateQuery, @Req() req: FastifyRequest) {
    const time = q.time ?? 'record';
    let asOf: AsOf;
    if (q.asOf === undefined) asOf = { time, instant: this.clock.now().toISOString() };
    else if (/^\d{1,15}$/.test(q.asOf)) {
      if (time === 'business') throw ruleViolated('position_needs_record_time', 'a global position is a record-time moment: use time=record, or give an instant', 'asOf');
      asOf = { time: 'record', position: Number(q.asOf) };
    } else asOf = { time, instant: normaliseInstant(q.asOf, 'asOf') };
    const streams = await this.streamsOf(id, req);
    const state = await customerAsOf(this.log.iterateStreams(streams, 1000), asOf, { explain: q.explain === 'true' });
    if (!state.doc) throw new NotFoundException(`customer ${id} was not registered as of ${'position' in asOf ? `position ${asOf.position}` : asOf.instant} (${time} time)`);
    const at = 'instant' in asOf ? asOf.instant : (state.lastRecordedAt ?? this.clock.now().toISOString());
    return {
      customerId: id,
      time: asOf.time,
      asOf: 'position' in asOf ? asOf.position : asOf.instant,
      eventsApplied: state.events,
      lastPosition: state.lastPosition,
      // The same lifetime value as the live 360: the heuristic and the prediction by the fit current then.
      customer: present360(state.doc, await this.models.lifetimeValue(state.doc, at, this.settings.horizonDays)),
      ...(state.sources && { sources: state.sources }),
    };
  }

  /** Recomputes both hash chains, reports the first broken link, and checks every stored checkpoint against the recomputed chain. */
  @Get('verify')
  async verify(@Query() q: VerifyQuery): Promise<VerifyReport & Partial<Pick<VerifyWithCheckpointsReport, 'checkpoints'>>> {
    if (!isChainedEventStore(this.store)) throw new HttpException('this event store does not keep hash chains', HttpStatus.NOT_IMPLEMENTED);
    if (!this.checkpoints) return verifyChains(this.store, { fromPosition: q.from });
    return verifyWithCheckpoints(this.store, this.checkpoints, this.key.publicKeyPem, { fromPosition: q.from });
  }

  /** The checkpoints the API signed and stored periodically, in position order: copy them outside the system. */
  @Get('checkpoints')
  async checkpointsPage(@Query() q: CheckpointsQuery) {
    if (!this.checkpoints) throw new HttpException('this event store does not keep hash chains', HttpStatus.NOT_IMPLEMENTED);
    const limit = q.limit ?? 100;
    const page = await this.checkpoints.list({ after: q.after ?? 0, limit });
    return { checkpoints: page, ...(page.length === limit && { nextAfter: page[page.length - 1].position }) };
  }

  @Get('checkpoints/public-key')
  publicKey() {
    return { algorithm: 'Ed25519', format: 'spki-pem', publicKey: this.key.publicKeyPem };
  }

  /** The current head of the global chain, signed: store it elsewhere to pin the log's history. */
  @Get('checkpoints/latest')
  async latest(): Promise<SignedCheckpoint> {
    if (!isChainedEventStore(this.store)) throw new HttpException('this event store does not keep hash chains', HttpStatus.NOT_IMPLEMENTED);
    return signCheckpoint(this.key.privateKey, { ...(await chainHead(this.store)), at: this.clock.now().toISOString() });
  }
}
