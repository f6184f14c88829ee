import { CHANNELS, COMPLAINT_SEVERITIES, CUSTOMER_KINDS, DIRECTIONS, TOUCHPOINT_TYPES, type Channel, type ComplaintSeverity, type CustomerKind, type Direction, type TouchpointType } from '@touchpoint/domain';
import { Type } from 'class-transformer';
import { IsCurrencyCode, Optional } from '../http/validators';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';

const PHONE = /^\+?[0-9][0-9 ()\-.]{3,30}$/;
/** Client-chosen business ids (order numbers, case numbers): no spaces, no operators. */
export const BUSINESS_ID = /^[A-Za-z0-9][A-Za-z0-9_\-.]{0,63}$/;
const MAX_MINOR = Number.MAX_SAFE_INTEGER;

export class AddressDto {
  @IsString() @Length(1, 200) line1: string;
  @Optional() @IsString() @Length(1, 200) line2?: string;
  @IsString() @Length(1, 100) city: string;
  @Optional() @IsString() @Length(1, 20) postalCode?: string;
  @Optional() @IsString() @Length(1, 100) region?: string;
  /** ISO 3166-1 alpha-2 */
  @Matches(/^[A-Z]{2}$/, { message: 'country must be an ISO 3166-1 alpha-2 code such as UA or DE' }) country: string;
}

export class RegisterCustomerDto {
  /** Optional client-chosen id (imports); generated when absent. */
  @Optional() @IsUUID() customerId?: string;
  @IsIn(CUSTOMER_KINDS) kind: CustomerKind;
  @IsString() @Length(1, 200) name: string;
  @Optional() @IsEmail() @MaxLength(254) email?: string;
  @Optional() @Matches(PHONE, { message: 'phone must be a phone number such as +380441234567' }) phone?: string;
  @Optional() @ValidateNested() @Type(() => AddressDto) address?: AddressDto;
  @Optional() @IsString() @Length(1, 200) company?: string;
  @Optional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @Length(1, 50, { each: true }) tags?: string[];
  /** Account manager responsible for the customer. */
  @Optional() @IsString() @Length(1, 128) owner?: string;
  /** When the relationship began (business time); defaults to now. */
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

/** Absent fields stay as they are; null clears an optional field. */
export class ChangeProfileDto {
  @IsOptional() @IsString() @Length(1, 200) name?: string;
  @IsOptional() @IsEmail() @MaxLength(254) email?: string | null;
  @IsOptional() @Matches(PHONE, { message: 'phone must be a phone number such as +380441234567' }) phone?: string | null;
  @IsOptional() @ValidateNested() @Type(() => AddressDto) address?: AddressDto | null;
  @IsOptional() @IsString() @Length(1, 200) company?: string | null;
  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @Length(1, 50, { each: true }) tags?: string[];
  @IsOptional() @IsString() @Length(1, 128) owner?: string | null;
  @IsOptional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class AddContactPersonDto {
  @IsString() @Length(1, 200) name: string;
  @Optional() @IsString() @Length(1, 100) role?: string;
  @Optional() @IsEmail() @MaxLength(254) email?: string;
  @Optional() @Matches(PHONE, { message: 'phone must be a phone number such as +380441234567' }) phone?: string;
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class ChangePreferredChannelDto {
  @IsIn(CHANNELS) channel: Channel;
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class ChangeMarketingConsentDto {
  @IsBoolean() granted: boolean;
  /** Where the consent was given or withdrawn (web form, call, letter…). */
  @Optional() @IsString() @Length(1, 200) source?: string;
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class RecordTouchpointDto {
  @IsIn(TOUCHPOINT_TYPES) type: TouchpointType;
  /** Defaults to the usual channel of the type (call → phone, meeting → in_person, …). */
  @Optional() @IsIn(CHANNELS) channel?: Channel;
  @IsIn(DIRECTIONS) direction: Direction;
  /** Who handled it; defaults to the acting user. */
  @Optional() @IsString() @Length(1, 128) agent?: string;
  @IsString() @Length(1, 300) subject: string;
  @Optional() @IsString() @Length(1, 10000) summary?: string;
  @Optional() @IsInt() @Min(0) @Max(7 * 24 * 3600) durationSeconds?: number;
  @Optional() @IsString() @Length(1, 100) outcome?: string;
  @Optional() @IsUrl({ require_protocol: true, protocols: ['http', 'https'] }) @MaxLength(2000) url?: string;
  /** When it happened (business time; may be in the past for imports); defaults to now. */
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class OrderLineDto {
  @IsString() @Matches(BUSINESS_ID, { message: 'sku must be 1–64 characters of [A-Za-z0-9_.-]' }) sku: string;
  @IsInt() @Min(1) @Max(1_000_000) quantity: number;
  /** minor units (cents, kopiykas) per item */
  @IsInt() @Min(0) @Max(MAX_MINOR) unitPrice: number;
  /** minor units per item, for gross margin; leave out when unknown (the margin is then unknown, not zero) */
  @Optional() @IsInt() @Min(0) @Max(MAX_MINOR) unitCost?: number;
}

export class PlaceOrderDto {
  /** The order number; generated when absent. */
  @Optional() @Matches(BUSINESS_ID, { message: 'orderId must be 1–64 characters of [A-Za-z0-9_.-]' }) orderId?: string;
  @IsCurrencyCode() currency: string;
  /** The items; optional when `total` is given (sources often know only what an order came to). */
  @ValidateIf((o: PlaceOrderDto) => o.lines !== undefined || o.total === undefined)
  @IsArray({ message: 'lines must be given unless total is' })
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => OrderLineDto)
  lines?: OrderLineDto[];
  /** What the order came to, minor units; when lines are given too, it must equal their sum. */
  @Optional() @IsInt() @Min(0) @Max(MAX_MINOR) total?: number;
  @Optional() @IsIn(CHANNELS) channel?: Channel;
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class CancelOrderDto {
  @Optional() @IsString() @Length(1, 500) reason?: string;
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class ReturnedLineDto {
  @IsString() @Matches(BUSINESS_ID, { message: 'sku must be 1–64 characters of [A-Za-z0-9_.-]' }) sku: string;
  @IsInt() @Min(1) @Max(1_000_000) quantity: number;
}

export class ReturnOrderDto {
  /** Lines returned; absent means everything not yet returned. */
  @Optional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(500) @ValidateNested({ each: true }) @Type(() => ReturnedLineDto) lines?: ReturnedLineDto[];
  @Optional() @IsString() @Length(1, 500) reason?: string;
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class FileComplaintDto {
  /** The case number; generated when absent. */
  @Optional() @Matches(BUSINESS_ID, { message: 'complaintId must be 1–64 characters of [A-Za-z0-9_.-]' }) complaintId?: string;
  @IsString() @Length(1, 100) category: string;
  @IsIn(COMPLAINT_SEVERITIES) severity: ComplaintSeverity;
  @IsIn(CHANNELS) channel: Channel;
  @IsString() @Length(1, 10000) description: string;
  @Optional() @Matches(BUSINESS_ID, { message: 'orderId must be 1–64 characters of [A-Za-z0-9_.-]' }) orderId?: string;
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class EscalateComplaintDto {
  @IsString() @Length(1, 1000) reason: string;
  @Optional() @IsString() @Length(1, 128) escalatedTo?: string;
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class ResolveComplaintDto {
  @IsString() @Length(1, 5000) resolution: string;
  /** Customer satisfaction with the resolution, 1 (very unhappy) to 5 (delighted). */
  @IsInt() @Min(1) @Max(5) satisfaction: number;
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}
