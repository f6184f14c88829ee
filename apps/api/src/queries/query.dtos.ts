import { QueryNumber } from '../http/validators';
import { CHANNELS, EVENT_SCHEMA_VERSIONS, type Channel } from '@touchpoint/domain';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsISO8601, IsNumber, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { IsCurrencyCode } from '../http/validators';

/** A date-time with a zone, as stored (a bare date would be ambiguous). */
const INSTANT = /^[1-9]\d{3}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;
export const IsInstant = () => (target: object, key: string) => {
  IsISO8601({ strict: true })(target, key);
  Matches(INSTANT, { message: '$property must be an ISO 8601 date-time with a zone, e.g. 2026-01-31T00:00:00Z' })(target, key);
};

/** `a,b` or repeated `?x=a&x=b` → ['a','b'] */
const list = () => Transform(({ value }) => (value === undefined ? undefined : (Array.isArray(value) ? value : [value]).flatMap((v: string) => String(v).split(',')).filter(Boolean)));

export class ConsistencyQuery {
  /** Wait until the read models include this global position (from a command's response). */
  @IsOptional() @QueryNumber() @IsInt() @Min(0) @Max(9_007_199_254_740_991) minPosition?: number;
}

export const CUSTOMER_SORTS = ['revenue', '-revenue', 'margin', '-margin', 'predictedValue', '-predictedValue', 'lastActivityAt', '-lastActivityAt', 'name', '-name', 'registeredAt', '-registeredAt'] as const;
export const TIERS = ['A', 'B', 'C'] as const;
export const RFM_SEGMENTS = ['champions', 'new', 'cannot_lose', 'at_risk', 'hibernating', 'loyal', 'potential_loyalist', 'needs_attention'] as const;

export class ListCustomersQueryDto extends ConsistencyQuery {
  @IsOptional() @list() @IsArray() @ArrayMaxSize(3) @IsIn(TIERS, { each: true }) tier?: Array<(typeof TIERS)[number]>;
  @IsOptional() @list() @IsArray() @ArrayMaxSize(8) @IsIn(RFM_SEGMENTS, { each: true }) rfmSegment?: string[];
  @IsOptional() @IsIn(['person', 'company']) kind?: 'person' | 'company';
  @IsOptional() @IsString() @Length(1, 128) owner?: string;
  @IsOptional() @IsString() @Length(1, 50) tag?: string;
  /** customers whose name starts with this; case, accents and repeated spaces are ignored (`olena k` finds Olena Kovalenko) */
  @IsOptional() @IsString() @Length(1, 200) @Matches(/\S/, { message: 'name must contain a letter or digit to search by' }) name?: string;
  /** primary currency of the customer's value (value filters compare within it) */
  @IsOptional() @IsCurrencyCode() currency?: string;
  /** net revenue to date in minor units, inclusive */
  @IsOptional() @QueryNumber() @IsInt() @Min(0) minRevenue?: number;
  @IsOptional() @QueryNumber() @IsInt() @Min(0) maxRevenue?: number;
  /** predicted value over the ranking's horizon (segment.predictedValue) in minor units, inclusive; needs currency */
  @IsOptional() @QueryNumber() @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(Number.MAX_SAFE_INTEGER) minPredictedValue?: number;
  @IsOptional() @QueryNumber() @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(Number.MAX_SAFE_INTEGER) maxPredictedValue?: number;
  @IsOptional() @IsInstant() lastActivityFrom?: string;
  @IsOptional() @IsInstant() lastActivityTo?: string;
  @IsOptional() @QueryNumber() @IsInt() @Min(0) minOpenComplaints?: number;
  /** only customers whose payment reliability (on-time share of settled invoices, 0–1) is at most this */
  @IsOptional() @QueryNumber() @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(1) maxPaymentReliability?: number;
  /** true: only customers with an open task past its due time now */
  @IsOptional() @IsIn(['true']) overdueTasks?: 'true';
  /** the customer's id in the system it was imported from, as `<source>:<sourceId>` (e.g. cdnow:00004) */
  @IsOptional() @IsString() @Length(3, 330) externalId?: string;
  @IsOptional() @IsIn(CUSTOMER_SORTS) sort?: (typeof CUSTOMER_SORTS)[number];
  @IsOptional() @QueryNumber() @IsInt() @Min(1) @Max(200) limit?: number;
  @IsOptional() @IsString() @Length(1, 2000) cursor?: string;
}

export const HISTORY_CATEGORIES = ['customer', 'touchpoint', 'order', 'complaint', 'deal', 'task', 'payment', 'competitor', 'quote'] as const;

export class HistoryQueryDto extends ConsistencyQuery {
  @IsOptional() @list() @IsArray() @ArrayMaxSize(CHANNELS.length) @IsIn(CHANNELS, { each: true }) channel?: Channel[];
  /** event types, e.g. TouchpointRecorded,OrderPlaced */
  @IsOptional() @list() @IsArray() @ArrayMaxSize(30) @IsIn(Object.keys(EVENT_SCHEMA_VERSIONS), { each: true }) type?: string[];
  @IsOptional() @list() @IsArray() @ArrayMaxSize(HISTORY_CATEGORIES.length) @IsIn(HISTORY_CATEGORIES, { each: true }) category?: string[];
  /** business time, inclusive */
  @IsOptional() @IsInstant() from?: string;
  /** business time, exclusive */
  @IsOptional() @IsInstant() to?: string;
  @IsOptional() @IsIn(['newest', 'oldest']) order?: 'newest' | 'oldest';
  @IsOptional() @QueryNumber() @IsInt() @Min(1) @Max(200) limit?: number;
  @IsOptional() @IsString() @Length(1, 2000) cursor?: string;
}

export class LifetimeValueQueryDto extends ConsistencyQuery {
  @IsOptional() @QueryNumber() @IsInt() @Min(1) @Max(3650) horizonDays?: number;
  /** Business time: the customer as the log says they stood then (a date: the end of that day, UTC), with the fit current then. */
  @IsOptional() @Matches(/^[1-9]\d{3}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d))?$/, { message: 'asOf must be a date YYYY-MM-DD or an ISO 8601 instant' }) asOf?: string;
}

