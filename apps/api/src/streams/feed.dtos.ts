import { QueryNumber } from '../http/validators';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { EVENT_SCHEMA_VERSIONS } from '@touchpoint/domain';
import { Transform } from 'class-transformer';

/** `a,b` or repeated `?x=a&x=b` → ['a','b'] */
const list = () => Transform(({ value }) => (value === undefined ? undefined : (Array.isArray(value) ? value : [value]).flatMap((v: string) => String(v).split(',')).filter(Boolean)));

export const FEED_CATEGORIES = ['customer', 'deal', 'forecast', 'task', 'sales', 'price-list', 'quote'] as const;

export class FeedQueryDto {
  /** exclusive: events after this global position (0: from the start); SSE resumes from Last-Event-ID instead */
  @IsOptional() @QueryNumber() @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) after?: number;
  /** events per page, 1–1000 (default 100) */
  @IsOptional() @QueryNumber() @IsInt() @Min(1) @Max(1000) limit?: number;
  @IsOptional() @list() @IsArray() @ArrayMaxSize(50) @IsIn(Object.keys(EVENT_SCHEMA_VERSIONS), { each: true }) types?: string[];
  /** by stream kind: customer-…, deal-…, forecast-…, task-…, sales-org, price-list-…, quote-… */
  @IsOptional() @list() @IsArray() @ArrayMaxSize(FEED_CATEGORIES.length) @IsIn(FEED_CATEGORIES, { each: true }) categories?: string[];
  /** only events about this customer (its stream and every event naming it: deals, tasks, quotes) */
  @IsOptional() @IsUUID() customerId?: string;
  /** at the head, wait up to this many seconds for the next event (long poll), 0–30 */
  @IsOptional() @QueryNumber() @IsInt() @Min(0) @Max(30) wait?: number;
}
