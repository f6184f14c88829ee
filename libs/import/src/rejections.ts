/** Why a line was not imported: stable, machine-readable (docs/import.md lists each with an example). */
export const REJECTION_CODES = [
  'malformed_json',
  'malformed_csv',
  'line_too_long',
  'not_an_object',
  'unknown_type',
  'unknown_field',
  'missing_source_id',
  'invalid_source_id',
  'duplicate_source_id',
  'source_id_conflict',
  'missing_reference',
  'unknown_reference',
  'invalid_date',
  'invalid_value',
  'business_rule',
  'possible_duplicate',
] as const;
export type RejectionCode = (typeof REJECTION_CODES)[number];

export interface Rejection {
  line: number;
  sourceId?: string;
  type?: string;
  /** the record field at fault, dotted (`lines.0.unitPrice`), when one is */
  field?: string;
  code: RejectionCode;
  /** the finer rule behind `invalid_value` or `business_rule` (e.g. isEmail, order_not_cancellable) */
  rule?: string;
  message: string;
}
