import { parse } from 'csv-parse';
import { Readable } from 'node:stream';
import { maybeGunzip, splitLines } from './lines';
import { applyMapping, CellError, type CsvMapping } from './mapping';
import type { RejectionCode } from './rejections';

/** A line of input, parsed into a record or rejected on its own (the next line is read all the same). */
export type ParsedLine = { line: number; record: unknown } | { line: number; rejection: { code: RejectionCode; field?: string; message: string } };

/** NDJSON: one JSON object per line. */
export async function* ndjsonRecords(bytes: AsyncIterable<Buffer>, maxLineBytes: number): AsyncGenerator<ParsedLine> {
  for await (const l of splitLines(maybeGunzip(bytes), maxLineBytes)) {
    if ('tooLong' in l) {
      yield { line: l.line, rejection: { code: 'line_too_long', message: `the line is longer than ${maxLineBytes} bytes` } };
      continue;
    }
    let record: unknown;
    try {
      record = JSON.parse(l.text);
    } catch (error) {
      yield { line: l.line, rejection: { code: 'malformed_json', message: `not JSON: ${(error as Error).message.slice(0, 200)}` } };
      continue;
    }
    yield { line: l.line, record };
  }
}

/**
 * CSV with a header row (or the mapping's `columns`), each row turned into a record by the mapping.
 * Parsed by csv-parse (quotes, embedded newlines, BOM); a row it cannot read is rejected alone.
 */
export async function* csvRecords(bytes: AsyncIterable<Buffer>, mapping: CsvMapping, maxLineBytes: number): AsyncGenerator<ParsedLine> {
  const skipped: ParsedLine[] = [];
  const parser = Readable.from(maybeGunzip(bytes)).pipe(
    parse({
      bom: true,
      columns: mapping.columns ?? true,
      delimiter: mapping.delimiter ?? ',',
      info: true,
      skip_empty_lines: true,
      max_record_size: maxLineBytes,
      skip_records_with_error: true,
      on_skip: (error) => {
        if (!error) return undefined;
        const tooLong = error.code === 'CSV_MAX_RECORD_SIZE';
        const line = Number((error as unknown as { lines?: number }).lines ?? 0);
        skipped.push({ line, rejection: { code: tooLong ? 'line_too_long' : 'malformed_csv', message: tooLong ? `the row is longer than ${maxLineBytes} bytes` : error.message.slice(0, 300) } });
        return undefined;
      },
    }),
  );
  for await (const { info, record } of parser as AsyncIterable<{ info: { lines: number }; record: Record<string, string> }>) {
    // The parser reads ahead: report the rows it skipped in their place among the records.
    while (skipped.length && skipped[0].line < info.lines) yield skipped.shift()!;
    try {
      yield { line: info.lines, record: applyMapping(record, mapping, info.lines) };
    } catch (error) {
      if (!(error instanceof CellError)) throw error;
      yield { line: info.lines, rejection: { code: error.code === 'missing_column' ? 'malformed_csv' : error.code, field: error.field, message: error.message } };
    }
  }
  while (skipped.length) yield skipped.shift()!;
}
