import type { Scalar, SortKey } from '@touchpoint/read-models';
import { ruleViolated } from '@touchpoint/domain';

/** The sort a cursor was issued for: a keyset position means nothing under another order. */
const sortSignature = (sort: SortKey[]) => sort.map((k) => `${k.direction === 'desc' ? '-' : ''}${k.field}`).join(',');

/** Opaque keyset cursors: base64url of the last item's sort values, its id, and the sort they belong to. */
export function encodeCursor(next: { values: Scalar[]; id: string } | undefined, sort: SortKey[]): string | null {
  return next ? Buffer.from(JSON.stringify([next.values, next.id, sortSignature(sort)])).toString('base64url') : null;
}

export function decodeCursor(cursor: string | undefined, sort: SortKey[]): { values: Scalar[]; id: string } | undefined {
  if (cursor === undefined) return undefined;
  const invalid = () => ruleViolated('invalid_cursor', 'cursor is not one this API issued for this sort', 'cursor');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== 3 || !Array.isArray(parsed[0]) || typeof parsed[1] !== 'string' || parsed[2] !== sortSignature(sort)) throw invalid();
  const [values, id] = parsed as [unknown[], string];
  if (values.length !== sort.length || !values.every((v) => ['string', 'number', 'boolean'].includes(typeof v))) throw invalid();
  return { values: values as Scalar[], id };
}
