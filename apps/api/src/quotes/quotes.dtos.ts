import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, IsISO8601, IsNumber, IsObject, IsOptional, IsString, IsUUID, Length, Matches, Max, Min, ValidateNested } from 'class-validator';
import { BUSINESS_ID } from '../customers/customer.dtos';
import { IsCurrencyCode, Optional } from '../http/validators';
import { ConsistencyQuery } from '../queries/query.dtos';

const DATE = /^[1-9]\d{3}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const DATE_MESSAGE = (field: string) => `${field} must be a date YYYY-MM-DD`;
const Pct = () => (target: object, key: string) => {
  IsNumber({ allowNaN: false, allowInfinity: false })(target, key);
  Min(0)(target, key);
  Max(100)(target, key);
};

export class PriceListItemDto {
  @Matches(BUSINESS_ID, { message: 'sku must be 1–64 characters of [A-Za-z0-9_.-]' }) sku: string;
  @IsString() @Length(1, 200) name: string;
  /** minor units, before tax */
  @IsInt() @Min(0) @Max(Number.MAX_SAFE_INTEGER) unitPrice: number;
}

export class TierDiscountsDto {
  @Optional() @Pct() A?: number;
  @Optional() @Pct() B?: number;
  @Optional() @Pct() C?: number;
}

export class PublishPriceListDto {
  @Optional() @IsUUID() priceListId?: string;
  @IsString() @Length(1, 200) name: string;
  @IsCurrencyCode() currency: string;
  @Matches(DATE, { message: DATE_MESSAGE('validFrom') }) validFrom: string;
  @Optional() @Matches(DATE, { message: DATE_MESSAGE('validTo') }) validTo?: string;
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(5000) @ValidateNested({ each: true }) @Type(() => PriceListItemDto) items: PriceListItemDto[];
  /** percent off the list price for customers of tier A, B, C */
  @Optional() @IsObject() @ValidateNested() @Type(() => TierDiscountsDto) tierDiscounts?: TierDiscountsDto;
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class PriceOnQueryDto extends ConsistencyQuery {
  /** the day (UTC); default today */
  @IsOptional() @Matches(DATE, { message: DATE_MESSAGE('on') }) on?: string;
}

export class QuoteLineDto {
  @Matches(BUSINESS_ID, { message: 'sku must be 1–64 characters of [A-Za-z0-9_.-]' }) sku: string;
  @IsInt() @Min(1) @Max(1_000_000_000) quantity: number;
  /** extra discount, percent, on top of the customer's tier discount; over the role's limit the quote needs an approval */
  @Optional() @Pct() discountPct?: number;
}

export class DraftQuoteDto {
  @Optional() @IsUUID() quoteId?: string;
  @IsUUID() priceListId: string;
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(500) @ValidateNested({ each: true }) @Type(() => QuoteLineDto) lines: QuoteLineDto[];
  /** tax on the subtotal, percent (0 when none) */
  @Pct() taxRatePct: number;
  @Matches(DATE, { message: DATE_MESSAGE('validUntil') }) validUntil: string;
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class ReviseQuoteDto {
  @IsUUID() priceListId: string;
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(500) @ValidateNested({ each: true }) @Type(() => QuoteLineDto) lines: QuoteLineDto[];
  @Pct() taxRatePct: number;
  @Matches(DATE, { message: DATE_MESSAGE('validUntil') }) validUntil: string;
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class QuoteVersionDto {
  /** the version this step is for: a superseded version is refused */
  @IsInt() @Min(1) version: number;
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class RejectQuoteDto {
  @IsInt() @Min(1) version: number;
  @IsString() @Length(1, 500) reason: string;
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class QuoteDocumentQueryDto extends ConsistencyQuery {
  /** html (default) or pdf; `Accept: application/pdf` asks for PDF too */
  @IsOptional() @Matches(/^(html|pdf)$/, { message: 'format must be html or pdf' }) format?: 'html' | 'pdf';
}
