import type { FieldProblem, RecordType, ValidateBody } from '@touchpoint/import';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync } from 'class-validator';
import {
  AddContactPersonDto,
  CancelOrderDto,
  ChangeMarketingConsentDto,
  ChangePreferredChannelDto,
  ChangeProfileDto,
  EscalateComplaintDto,
  FileComplaintDto,
  PlaceOrderDto,
  RecordTouchpointDto,
  RegisterCustomerDto,
  ResolveComplaintDto,
  ReturnOrderDto,
} from '../customers/customer.dtos';
import { IssueInvoiceDto, RecordPaymentDto, WriteOffInvoiceDto } from '../customers/payments.dtos';
import { ChangeDealAmountDto, ChangeDealCloseDateDto, ChangeDealStageDto, LoseDealDto, OpenDealDto, WinDealDto } from '../deals/deal.dtos';
import { flatten, STRICT_VALIDATOR_OPTIONS } from '../http/validation';
import { IsISO8601 } from 'class-validator';
import { Optional } from '../http/validators';

/** A contact removed by an import: the HTTP DELETE has no body, the record may say when. */
class RemoveContactPersonDto {
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

/** Each record type is checked by the DTO of its HTTP command: an import accepts exactly what the API accepts. */
const DTOS: Record<RecordType, ClassConstructor<object>> = {
  RegisterCustomer: RegisterCustomerDto,
  ChangeCustomerProfile: ChangeProfileDto,
  AddContactPerson: AddContactPersonDto,
  RemoveContactPerson: RemoveContactPersonDto,
  ChangePreferredChannel: ChangePreferredChannelDto,
  ChangeMarketingConsent: ChangeMarketingConsentDto,
  RecordTouchpoint: RecordTouchpointDto,
  PlaceOrder: PlaceOrderDto,
  CancelOrder: CancelOrderDto,
  ReturnOrder: ReturnOrderDto,
  FileComplaint: FileComplaintDto,
  EscalateComplaint: EscalateComplaintDto,
  ResolveComplaint: ResolveComplaintDto,
  IssueInvoice: IssueInvoiceDto,
  RecordPayment: RecordPaymentDto,
  WriteOffInvoice: WriteOffInvoiceDto,
  OpenDeal: OpenDealDto,
  ChangeDealStage: ChangeDealStageDto,
  ChangeDealAmount: ChangeDealAmountDto,
  ChangeDealCloseDate: ChangeDealCloseDateDto,
  WinDeal: WinDealDto,
  LoseDeal: LoseDealDto,
};

export const validateRecordBody: ValidateBody = (type, body) => {
  const dto = plainToInstance(DTOS[type], body, { enableImplicitConversion: false });
  const errors = validateSync(dto, STRICT_VALIDATOR_OPTIONS);
  if (errors.length) return { ok: false, problems: flatten(errors) as FieldProblem[] };
  // Plain data again (nested DTO instances would carry their prototypes into events).
  return { ok: true, body: JSON.parse(JSON.stringify(dto)) as Record<string, unknown> };
};
