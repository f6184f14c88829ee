import { QueryNumber } from '../http/validators';
import { Roles } from '../auth';
import { Controller, Get, Inject, NotFoundException, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '@touchpoint/event-store';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { PathParam } from '../http/params';

const STREAM_ID = /^(customer|deal)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class ReadStreamQuery {
  @IsOptional() @QueryNumber() @IsInt() @Min(0) fromRevision?: number;
  @IsOptional() @QueryNumber() @IsInt() @Min(1) @Max(1000) limit?: number;
  @IsOptional() @IsIn(['forwards', 'backwards']) direction?: 'forwards' | 'backwards';
}

/** Raw events of one stream, with every metadata field: the plain view auditors build on. */
@ApiTags('streams')
@Roles('service', 'auditor')
@Controller('v1/streams')
export class StreamsController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Get(':streamId/events')
  async events(@Param('streamId', PathParam.matching('streamId', STREAM_ID, 'customer-<uuid> or deal-<uuid>')) streamId: string, @Query() query: ReadStreamQuery): Promise<{ streamId: string; streamRevision: number; events: RecordedEvent[] }> {
    const revision = await this.store.streamRevision(streamId);
    if (revision < 0) throw new NotFoundException(`stream ${streamId} does not exist`);
    const events = await this.store.readStream(streamId, { direction: query.direction ?? 'forwards', fromRevision: query.fromRevision, maxCount: query.limit ?? 100 });
    return { streamId, streamRevision: revision, events };
  }
}
