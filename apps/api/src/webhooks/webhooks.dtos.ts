import { QueryNumber } from '../http/validators';
import { EVENT_SCHEMA_VERSIONS } from '@touchpoint/domain';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUUID, Length, Max, MaxLength, Min } from 'class-validator';
import { Optional } from '../http/validators';
import { FEED_CATEGORIES } from '../streams/feed.dtos';

export class CreateSubscriptionDto {
  @Optional() @IsUUID() subscriptionId?: string;
  /** where events are POSTed: http or https, no credentials in it; a private address only if the operator allows its network */
  @IsString() @MaxLength(2000) url: string;
  /** only these event types (default: all) */
  @Optional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(50) @IsIn(Object.keys(EVENT_SCHEMA_VERSIONS), { each: true }) types?: string[];
  /** only events of these stream kinds (default: all) */
  @Optional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(FEED_CATEGORIES.length) @IsIn(FEED_CATEGORIES, { each: true }) categories?: string[];
  /** only this customer's events */
  @Optional() @IsUUID() customerId?: string;
  /** the first global position to send (inclusive); default: events recorded after the subscription */
  @Optional() @IsInt() @Min(1) @Max(Number.MAX_SAFE_INTEGER) fromPosition?: number;
  @Optional() @IsString() @Length(1, 500) description?: string;
}

export class RedeliverDto {
  /** send every matching event again from this global position on */
  @Optional() @IsInt() @Min(1) @Max(Number.MAX_SAFE_INTEGER) fromPosition?: number;
  /** send the dead-lettered events again */
  @Optional() @IsBoolean() deadLetters?: boolean;
}

export class DeliveryLogQueryDto {
  /** newest first, 1–1000 (default 100) */
  @IsOptional() @QueryNumber() @IsInt() @Min(1) @Max(1000) limit?: number;
}
