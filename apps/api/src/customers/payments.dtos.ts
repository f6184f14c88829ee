import { PAYMENT_METHODS, type PaymentMethod } from '@touchpoint/domain';
import { IsIn, IsInt, IsISO8601, IsString, IsUUID, Length, Matches, Max, Min } from 'class-validator';
import { IsCurrencyCode, Optional } from '../http/validators';
import { BUSINESS_ID } from './customer.dtos';

const DATE = /^[1-9]\d{3}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const MAX_MINOR = Number.MAX_SAFE_INTEGER;

export class IssueInvoiceDto {
  /** the invoice's id (1–64 of [A-Za-z0-9_.-]); generated when absent */
  @Optional() @Matches(BUSINESS_ID, { message: 'invoiceId must be 1–64 characters of [A-Za-z0-9_.-]' }) invoiceId?: string;
  /** the printed invoice number, when it differs from the id */
  @Optional() @IsString() @Length(1, 64) number?: string;
  /** the order it bills (an order of this customer, in the same currency) */
  @Optional() @Matches(BUSINESS_ID, { message: 'orderId must be 1–64 characters of [A-Za-z0-9_.-]' }) orderId?: string;
  @IsCurrencyCode() currency: string;
  /** minor units, > 0 */
  @IsInt() @Min(1) @Max(MAX_MINOR) amount: number;
  /** due by the end of this day (UTC), YYYY-MM-DD */
  @Matches(DATE, { message: 'dueDate must be a date YYYY-MM-DD' }) dueDate: string;
  /** when it was issued (business time); default now */
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class RecordPaymentDto {
  /** the payment's id in the bank or payment system: the same id again records nothing (generated when absent) */
  @Optional() @Matches(BUSINESS_ID, { message: 'paymentId must be 1–64 characters of [A-Za-z0-9_.-]' }) paymentId?: string;
  /** minor units, > 0, at most what is outstanding */
  @IsInt() @Min(1) @Max(MAX_MINOR) amount: number;
  /** must be the invoice's currency when given */
  @Optional() @IsCurrencyCode() currency?: string;
  @Optional() @IsIn(PAYMENT_METHODS) method?: PaymentMethod;
  /** the bank reference (personal data: it may name the payer) */
  @Optional() @IsString() @Length(1, 200) reference?: string;
  /** when the money arrived (business time); default now */
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class WriteOffInvoiceDto {
  @IsString() @Length(1, 500) reason: string;
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class RecordCompetitorOfferDto {
  /** the offer's id: the same id again records nothing (generated when absent) */
  @Optional() @Matches(BUSINESS_ID, { message: 'offerId must be 1–64 characters of [A-Za-z0-9_.-]' }) offerId?: string;
  /** the competitor's name (a company) */
  @IsString() @Length(1, 200) competitor: string;
  /** the deal of ours it competes with */
  @Optional() @IsUUID() dealId?: string;
  /** what they offered, minor units (with its currency) */
  @Optional() @IsInt() @Min(0) @Max(MAX_MINOR) amount?: number;
  @Optional() @IsCurrencyCode() currency?: string;
  /** the terms, as the customer told them (personal data: their words) */
  @Optional() @IsString() @Length(1, 1000) terms?: string;
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}
