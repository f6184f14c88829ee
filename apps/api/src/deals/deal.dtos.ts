import { DEAL_STAGES, type DealStage } from '@touchpoint/domain';
import { IsIn, IsInt, IsISO4217CurrencyCode, IsISO8601, IsOptional, IsString, IsUUID, Length, Matches, Max, Min } from 'class-validator';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const MAX_MINOR = Number.MAX_SAFE_INTEGER;

export class OpenDealDto {
  @IsOptional() @IsUUID() dealId?: string;
  @IsUUID() customerId: string;
  @IsString() @Length(1, 200) title: string;
  /** minor units */
  @IsInt() @Min(0) @Max(MAX_MINOR) amount: number;
  @IsISO4217CurrencyCode() currency: string;
  @IsOptional() @IsIn(DEAL_STAGES) stage?: DealStage;
  /** YYYY-MM-DD */
  @Matches(DATE, { message: 'expectedCloseDate must be a date YYYY-MM-DD' }) expectedCloseDate: string;
  /** The salesperson who owns the deal; defaults to the acting user. */
  @IsOptional() @IsString() @Length(1, 128) owner?: string;
  @IsOptional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class ChangeDealStageDto {
  @IsIn(DEAL_STAGES) stage: DealStage;
  @IsOptional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class ChangeDealAmountDto {
  @IsInt() @Min(0) @Max(MAX_MINOR) amount: number;
  @IsOptional() @IsISO4217CurrencyCode() currency?: string;
  @IsOptional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class ChangeDealCloseDateDto {
  @Matches(DATE, { message: 'expectedCloseDate must be a date YYYY-MM-DD' }) expectedCloseDate: string;
  @IsOptional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class WinDealDto {
  /** Final amount when it differs from the last quoted one. */
  @IsOptional() @IsInt() @Min(0) @Max(MAX_MINOR) amount?: number;
  @IsOptional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class LoseDealDto {
  @IsString() @Length(1, 500) reason: string;
  @IsOptional() @IsString() @Length(1, 200) competitor?: string;
  @IsOptional() @IsISO8601({ strict: true }) occurredAt?: string;
}
