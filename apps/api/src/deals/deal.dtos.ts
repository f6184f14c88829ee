import { DEAL_STAGES, FORECAST_CATEGORIES, type DealStage, type ForecastCategory } from '@touchpoint/domain';
import { IsIn, IsInt, IsISO8601, IsString, IsUUID, Length, Matches, Max, Min } from 'class-validator';
import { IsCurrencyCode, Optional } from '../http/validators';

const DATE = /^[1-9]\d{3}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const MAX_MINOR = Number.MAX_SAFE_INTEGER;

export class OpenDealDto {
  @Optional() @IsUUID() dealId?: string;
  @IsUUID() customerId: string;
  @IsString() @Length(1, 200) title: string;
  /** minor units */
  @IsInt() @Min(0) @Max(MAX_MINOR) amount: number;
  @IsCurrencyCode() currency: string;
  @Optional() @IsIn(DEAL_STAGES) stage?: DealStage;
  /** YYYY-MM-DD */
  @Matches(DATE, { message: 'expectedCloseDate must be a date YYYY-MM-DD' }) expectedCloseDate: string;
  /** The salesperson who owns the deal; defaults to the acting user. */
  @Optional() @IsString() @Length(1, 128) owner?: string;
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class ChangeDealStageDto {
  @IsIn(DEAL_STAGES) stage: DealStage;
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class ChangeDealAmountDto {
  @IsInt() @Min(0) @Max(MAX_MINOR) amount: number;
  @Optional() @IsCurrencyCode() currency?: string;
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class ChangeDealCloseDateDto {
  @Matches(DATE, { message: 'expectedCloseDate must be a date YYYY-MM-DD' }) expectedCloseDate: string;
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class WinDealDto {
  /** Final amount when it differs from the last quoted one. */
  @Optional() @IsInt() @Min(0) @Max(MAX_MINOR) amount?: number;
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class LoseDealDto {
  @IsString() @Length(1, 500) reason: string;
  @Optional() @IsString() @Length(1, 200) competitor?: string;
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class SetForecastCategoryDto {
  /** the owner's call: `commit` will close in its period, `best_case` might, `pipeline` not yet judged, `omitted` left out */
  @IsIn(FORECAST_CATEGORIES) category: ForecastCategory;
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}
