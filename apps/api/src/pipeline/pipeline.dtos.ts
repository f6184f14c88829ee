import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsISO8601, IsObject, IsOptional, IsString, IsUUID, Length, Matches, Max, Min, ValidateNested } from 'class-validator';
import { ConsistencyQuery } from '../queries/query.dtos';
import { IsCurrencyCode, Optional } from '../http/validators';

const PERIOD_KEY = /^[1-9]\d{3}-(0[1-9]|1[0-2]|Q[1-4])$/;
const DAY = /^[1-9]\d{3}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const MAX_MINOR = Number.MAX_SAFE_INTEGER;

export class ForecastQueryDto extends ConsistencyQuery {
  @IsOptional() @IsIn(['month', 'quarter']) period?: 'month' | 'quarter';
  /** first period, YYYY-MM (month) or YYYY-Qn (quarter) */
  @IsOptional() @Matches(PERIOD_KEY, { message: 'from must be YYYY-MM or YYYY-Qn' }) from?: string;
  @IsOptional() @Matches(PERIOD_KEY, { message: 'to must be YYYY-MM or YYYY-Qn' }) to?: string;
  @IsOptional() @IsString() @Length(1, 128) owner?: string;
  @IsOptional() @IsCurrencyCode() currency?: string;
  /** The forecast as it stood at the end of this day (YYYY-MM-DD, UTC) by the pipeline's knowledge clock; today when absent. */
  @IsOptional() @Matches(DAY, { message: 'asOf must be a date YYYY-MM-DD' }) asOf?: string;
}

/** `90,60,30,7` or repeated `?leadDays=90&leadDays=30` → [90, 60, 30, 7] */
const numbers = () =>
  Transform(({ value }) => (value === undefined ? undefined : (Array.isArray(value) ? value : [value]).flatMap((v: string) => String(v).split(',')).filter(Boolean).map((v: string) => (/^\d{1,4}$/.test(v) ? Number(v) : v))));

export class ForecastAccuracyQueryDto extends ConsistencyQuery {
  @IsOptional() @IsIn(['month', 'quarter']) period?: 'month' | 'quarter';
  /** first closed period to score, YYYY-MM or YYYY-Qn; default: twelve periods before `to` */
  @IsOptional() @Matches(PERIOD_KEY, { message: 'from must be YYYY-MM or YYYY-Qn' }) from?: string;
  /** last period to score; default (and at most) the last closed one */
  @IsOptional() @Matches(PERIOD_KEY, { message: 'to must be YYYY-MM or YYYY-Qn' }) to?: string;
  /** days before each period's last day at which the forecast is read (default 90,60,30,7) */
  @IsOptional() @numbers() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(8) @IsInt({ each: true }) @Min(0, { each: true }) @Max(730, { each: true }) leadDays?: number[];
  @IsOptional() @IsCurrencyCode() currency?: string;
  @IsOptional() @IsString() @Length(1, 128) owner?: string;
}

export class SalesCycleQueryDto extends ConsistencyQuery {
  @IsOptional() @IsString() @Length(1, 128) owner?: string;
}

/** Minor units, cumulative as the categories roll up: commit includes closed, bestCase includes commit. */
export class ForecastAmountsDto {
  @Optional() @IsInt() @Min(0) @Max(MAX_MINOR) closed?: number;
  @IsInt() @Min(0) @Max(MAX_MINOR) commit: number;
  @IsInt() @Min(0) @Max(MAX_MINOR) bestCase: number;
  @Optional() @IsInt() @Min(0) @Max(MAX_MINOR) pipeline?: number;
}

export class SubmitForecastDto {
  /** Optional client-chosen id; generated when absent. */
  @Optional() @IsUUID() submissionId?: string;
  /** `owner` (default): the caller's own call; `team`: a manager's (admin) call for a team */
  @Optional() @IsIn(['owner', 'team']) scope?: 'owner' | 'team';
  /** the owner (default: the caller) or the team */
  @Optional() @IsString() @Length(1, 128) name?: string;
  /** YYYY-MM or YYYY-Qn */
  @Matches(PERIOD_KEY, { message: 'period must be YYYY-MM or YYYY-Qn' }) period: string;
  @IsCurrencyCode() currency: string;
  @IsObject() @ValidateNested() @Type(() => ForecastAmountsDto) amounts: ForecastAmountsDto;
  @Optional() @IsString() @Length(1, 2000) comment?: string;
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

