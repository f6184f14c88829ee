import { QUOTA_SCOPES, type QuotaScope } from '@touchpoint/domain';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsISO8601, IsNumber, IsOptional, IsString, IsUUID, Length, Matches, Max, Min, ValidateNested } from 'class-validator';
import { IsCurrencyCode, Optional } from '../http/validators';
import { ConsistencyQuery } from '../queries/query.dtos';

const PERIOD = /^[1-9]\d{3}-(0[1-9]|1[0-2]|Q[1-4])$/;
const PERIOD_MESSAGE = 'period must be YYYY-MM or YYYY-Qn';

export class PlaceSellerDto {
  @IsString() @Length(1, 128) team: string;
  @IsString() @Length(1, 128) region: string;
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class AppointManagerDto {
  /** the manager's actor name (an API key's or a token's subject, as deals' owner); give them the role `manager` */
  @IsString() @Length(1, 128) manager: string;
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class SetQuotaDto {
  @IsIn(QUOTA_SCOPES) scope: QuotaScope;
  /** the seller (an actor name, as deals' owner), the team or the region */
  @IsString() @Length(1, 128) name: string;
  @Matches(PERIOD, { message: PERIOD_MESSAGE }) period: string;
  @IsCurrencyCode() currency: string;
  /** minor units */
  @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) amount: number;
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class BonusBandDto {
  /** from this attainment on (percent of quota; the first band starts at 0) */
  @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(10_000) fromPct: number;
  /** percent of the amount achieved within the band */
  @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(100) ratePct: number;
}

export class PublishBonusPlanDto {
  @Optional() @IsUUID() planId?: string;
  @IsString() @Length(1, 200) name: string;
  @IsCurrencyCode() currency: string;
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(20) @ValidateNested({ each: true }) @Type(() => BonusBandDto) bands: BonusBandDto[];
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class AttainmentQueryDto extends ConsistencyQuery {
  @Matches(PERIOD, { message: PERIOD_MESSAGE }) period: string;
  /** one seller's rows (sales see only their own) */
  @IsOptional() @IsString() @Length(1, 128) owner?: string;
}

export class RegionsQueryDto extends ConsistencyQuery {
  @Matches(PERIOD, { message: PERIOD_MESSAGE }) period: string;
}
