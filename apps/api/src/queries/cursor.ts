import type { Scalar } from '@touchpoint/read-models';
import { BadRequestProblem } from '../http/problem';

/** Opaque keyset cursors: base64url of the last item's sort values and id. */
export function encodeCursor(next: { values: Scalar[]; id: string } | undefined): string | null {
  return next ? Buffer.from(JSON.stringify([next.values, next.id])).toString('base64url') : null;
}

export function decodeCursor(cursor: string | undefined, sortKeys: number): { values: Scalar[]; id: string } | undefined {
  if (cursor === undefined) return undefined;
  const invalid = () => new BadRequestProblem([{ field: 'cursor', code: 'invalid_cursor', message: 'cursor is not one this API issued for this sort' }]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || !Array.isArray(parsed[0]) || typeof parsed[1] !== 'string') throw invalid();
  const [values, id] = parsed as [unknown[], string];
  if (values.length !== sortKeys || !values.every((v) => ['string', 'number', 'boolean'].includes(typeof v))) throw invalid();
  return { values: values as Scalar[], id };
}
