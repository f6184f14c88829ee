import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** One line of the input: its text, or the fact that it was longer than allowed (its bytes are dropped, not kept). */
export type RawLine = { line: number; text: string } | { line: number; tooLong: true };

/**
 * Splits a byte stream into lines (LF or CRLF), numbered from 1. Memory is bounded by `maxLineBytes`:
 * a longer line is reported as too long and skipped to its end, however long it is. Blank lines are skipped.
 */
export async function* splitLines(input: AsyncIterable<Buffer | string>, maxLineBytes: number): AsyncGenerator<RawLine> {
  let parts: Buffer[] = [];
  let size = 0;
  let tooLong = false;
  let line = 0;
  const finish = (): RawLine | undefined => {
    line += 1;
    const result: RawLine | undefined = tooLong ? { line, tooLong: true } : emit(Buffer.concat(parts, size), line);
    parts = [];
    size = 0;
    tooLong = false;
    return result;
  };
  for await (const chunk of input) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
      take(buf.subarray(start, nl));
      const out = finish();
      if (out) yield out;
      start = nl + 1;
    }
    take(buf.subarray(start));
  }
  if (size > 0 || tooLong) {
    const out = finish();
    if (out) yield out;
  }

  function take(piece: Buffer): void {
    if (tooLong || piece.length === 0) return;
    if (size + piece.length > maxLineBytes + 1) {
      // +1: a CR before the LF does not count against the limit
      tooLong = true;
      parts = [];
      size = 0;
      return;
    }
    parts.push(piece);
    size += piece.length;
  }
}

function emit(bytes: Buffer, line: number): RawLine | undefined {
  let text = bytes.toString('utf8');
  if (text.endsWith('\r')) text = text.slice(0, -1);
  if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte-order mark
  return text.trim() === '' ? undefined : { line, text };
}

/** The input as it is, or gunzipped when it starts with gzip's magic bytes (files and HTTP bodies alike). */
export async function* maybeGunzip(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const iterator = input[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return;
  const rest = (async function* () {
    yield first.value;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  })();
  if (first.value.length >= 2 && first.value[0] === 0x1f && first.value[1] === 0x8b) yield* Readable.from(rest).pipe(createGunzip());
  else yield* rest;
}
