import { minorUnitDigits } from '@touchpoint/domain';
import { isRecordType, type RecordType } from './records';
import { isTimeZone, parseWithFormat } from './dates';

/**
 * How a CSV row becomes a record (docs/import.md). `fields` maps a record field (dotted path; a number
 * segment is an array index: `lines.0.sku`) to where its value comes from:
 *   "column"                                  the cell, as text
 *   { column, as?, format? }                  the cell converted: string | integer | number | boolean | minor | date | instant | list
 *   { value }                                 a constant
 *   { template: "{col}-{line}" }              text built from cells ({line}: the row's line number)
 * An empty cell leaves the field out, so optional fields stay optional.
 */
export interface CsvMapping {
  type: RecordType;
  delimiter?: string;
  /** IANA zone of dates written without one (also used for `as: date` cells) */
  timeZone?: string;
  /** the header, for files that have none */
  columns?: string[];
  fields: Record<string, FieldMapping>;
}

export type Conversion = 'string' | 'integer' | 'number' | 'boolean' | 'minor' | 'date' | 'instant' | 'list';
export type FieldMapping = string | { column: string; as?: Conversion; format?: string } | { value: unknown } | { template: string };

export class MappingError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'MappingError';
  }
}

const CONVERSIONS: readonly Conversion[] = ['string', 'integer', 'number', 'boolean', 'minor', 'date', 'instant', 'list'];
const PATH = /^[A-Za-z][A-Za-z0-9]*(\.([A-Za-z][A-Za-z0-9]*|\d{1,3}))*$/;
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Checks a mapping given as JSON; throws MappingError naming the first thing wrong. */
export function parseMapping(input: unknown): CsvMapping {
  if (!isObject(input)) throw new MappingError('mapping', 'the mapping must be a JSON object');
  for (const key of Object.keys(input)) {
    if (!['type', 'delimiter', 'timeZone', 'columns', 'fields'].includes(key)) throw new MappingError(`mapping.${key}`, `${key} is not a known mapping field`);
  }
  if (!isRecordType(input.type)) throw new MappingError('mapping.type', 'type must name a record type such as PlaceOrder or RegisterCustomer');
  if (input.delimiter !== undefined && (typeof input.delimiter !== 'string' || input.delimiter.length !== 1)) throw new MappingError('mapping.delimiter', 'delimiter must be one character');
  if (input.timeZone !== undefined && (typeof input.timeZone !== 'string' || !isTimeZone(input.timeZone))) throw new MappingError('mapping.timeZone', 'timeZone must be an IANA zone such as Europe/Kyiv');
  if (input.columns !== undefined && (!Array.isArray(input.columns) || input.columns.length === 0 || !input.columns.every((c) => typeof c === 'string' && c.length > 0))) {
    throw new MappingError('mapping.columns', 'columns must be a non-empty list of column names');
  }
  if (!isObject(input.fields) || Object.keys(input.fields).length === 0) throw new MappingError('mapping.fields', 'fields must map record fields to columns');
  for (const [path, spec] of Object.entries(input.fields)) {
    const at = `mapping.fields.${path}`;
    if (!PATH.test(path) || path.split('.').some((p) => p === '__proto__' || p === 'constructor' || p === 'prototype')) throw new MappingError(at, `${path} is not a field path`);
    if (typeof spec === 'string') {
      if (spec === '') throw new MappingError(at, 'a column name cannot be empty');
      continue;
    }
    if (!isObject(spec)) throw new MappingError(at, 'a field maps to a column name, { column, as }, { value } or { template }');
    const keys = Object.keys(spec);
    if ('value' in spec) {
      if (keys.length !== 1) throw new MappingError(at, '{ value } takes nothing else');
    } else if ('template' in spec) {
      if (keys.length !== 1 || typeof spec.template !== 'string' || spec.template === '') throw new MappingError(at, '{ template } takes a non-empty text and nothing else');
    } else {
      if (typeof spec.column !== 'string' || spec.column === '') throw new MappingError(at, 'column must name a column');
      if (keys.some((k) => !['column', 'as', 'format'].includes(k))) throw new MappingError(at, 'a column mapping takes column, as and format');
      if (spec.as !== undefined && !CONVERSIONS.includes(spec.as as Conversion)) throw new MappingError(`${at}.as`, `as must be one of ${CONVERSIONS.join(', ')}`);
      if (spec.format !== undefined && (typeof spec.format !== 'string' || !['date', 'instant'].includes(String(spec.as)))) {
        throw new MappingError(`${at}.format`, 'format (a luxon date format such as yyyyMMdd) goes with as: date or as: instant');
      }
    }
  }
  return input as unknown as CsvMapping;
}

/** Why one cell could not become its field; the row is rejected with it. */
export class CellError extends Error {
  constructor(
    readonly field: string,
    readonly code: 'invalid_value' | 'invalid_date' | 'missing_column',
    message: string,
  ) {
    super(message);
    this.name = 'CellError';
  }
}

/** Decimal text → integer minor units of `currency`, exactly (no binary floating point on the way). */
export function toMinorUnits(text: string, currency: string | undefined, field: string): number {
  const digits = currency === undefined ? 2 : fractionDigits(currency);
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!m) throw new CellError(field, 'invalid_value', `${field} must be a decimal amount such as 29.99`);
  const [, sign, whole, frac = ''] = m;
  if (frac.replace(/0+$/, '').length > digits) throw new CellError(field, 'invalid_value', `${field} has more decimals than ${currency ?? 'the currency'} allows (${digits})`);
  const minor = Number(whole + frac.padEnd(digits, '0').slice(0, digits));
  if (!Number.isSafeInteger(minor)) throw new CellError(field, 'invalid_value', `${field} is too large`);
  return sign ? -minor : minor;
}

const fractionDigits = minorUnitDigits;

function convert(text: string, spec: { as?: Conversion; format?: string }, field: string, mapping: CsvMapping, currency: string | undefined): unknown {
  switch (spec.as ?? 'string') {
    case 'string':
      return text;
    case 'integer': {
      if (!/^-?\d+$/.test(text.trim())) throw new CellError(field, 'invalid_value', `${field} must be a whole number`);
      return Number(text);
    }
    case 'number': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) throw new CellError(field, 'invalid_value', `${field} must be a number`);
      return n;
    }
    case 'boolean': {
      const v = text.trim().toLowerCase();
      if (['true', '1', 'yes', 'y'].includes(v)) return true;
      if (['false', '0', 'no', 'n'].includes(v)) return false;
      throw new CellError(field, 'invalid_value', `${field} must be true or false`);
    }
    case 'minor':
      return toMinorUnits(text, currency, field);
    case 'list':
      return text
        .split(/[;|]/)
        .map((s) => s.trim())
        .filter(Boolean);
    case 'date':
    case 'instant': {
      if (spec.format === undefined) return text; // ISO text: zone-less values take the mapping's zone later
      const dt = parseWithFormat(text.trim(), spec.format, mapping.timeZone);
      if (!dt) throw new CellError(field, 'invalid_date', `${field} does not match the format ${spec.format}`);
      return spec.as === 'date' ? dt.toISODate() : dt.toISO();
    }
  }
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let holder: Record<string, unknown> | unknown[] = target;
  for (let i = 0; i < parts.length - 1; i += 1) {
    const key = parts[i];
    const nextIsIndex = /^\d+$/.test(parts[i + 1]);
    const existing = (holder as Record<string, unknown>)[key];
    if (existing === undefined) (holder as Record<string, unknown>)[key] = nextIsIndex ? [] : {};
    holder = (holder as Record<string, unknown>)[key] as Record<string, unknown> | unknown[];
  }
  (holder as Record<string, unknown>)[parts[parts.length - 1]] = value;
}

/** One CSV row (column → cell) as a record, per the mapping. Throws CellError for the first cell that does not fit. */
export function applyMapping(row: Record<string, string | undefined>, mapping: CsvMapping, line: number): Record<string, unknown> {
  const record: Record<string, unknown> = { type: mapping.type };
  const cell = (column: string, field: string): string | undefined => {
    if (!Object.prototype.hasOwnProperty.call(row, column)) throw new CellError(field, 'missing_column', `the file has no column ${column}`);
    const v = row[column];
    return v === undefined || v.trim() === '' ? undefined : v;
  };
  // The currency is read first: minor units depend on it.
  const currencySpec = mapping.fields.currency;
  const currency =
    currencySpec === undefined
      ? undefined
      : typeof currencySpec === 'string'
        ? cell(currencySpec, 'currency')
        : 'value' in currencySpec
          ? String(currencySpec.value)
          : 'column' in currencySpec
            ? cell(currencySpec.column, 'currency')
            : undefined;
  for (const [path, spec] of Object.entries(mapping.fields)) {
    let value: unknown;
    if (typeof spec === 'string') value = cell(spec, path);
    else if ('value' in spec) value = spec.value;
    else if ('template' in spec) {
      value = spec.template.replace(/\{([^}]+)\}/g, (_m, name: string) => (name === 'line' ? String(line) : (cell(name, path) ?? '')));
    } else {
      const text = cell(spec.column, path);
      value = text === undefined ? undefined : convert(text, spec, path, mapping, currency);
    }
    if (value !== undefined) setPath(record, path, value);
  }
  return record;
}
