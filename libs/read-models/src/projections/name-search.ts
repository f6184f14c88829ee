import { ERASED } from '@touchpoint/domain';

/**
 * The form a name is searched by: Unicode compatibility forms folded (NFKD), accents and other combining marks
 * dropped, lower case, runs of spaces as one. "Zoryana  Kravéts" and "zoryana krav" then share a prefix. An erased
 * name has no key, so erasure also takes the customer out of name search.
 */
export function nameSearchKey(name: string): string {
  if (name === ERASED) return '';
  return name.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/**
 * The range of keys that start with `prefix`: from the prefix itself up to, not including, the prefix with its last
 * code point raised by one. It is a plain range, so every store answers it from an ordered index.
 */
export function prefixRange(prefix: string): { from: string; below: string } {
  const points = Array.from(prefix);
  const last = points.pop();
  if (last === undefined) throw new Error('an empty prefix has no range');
  const code = last.codePointAt(0) as number;
  // Past the surrogates a raised BMP code point compares the same in UTF-8 (SQLite, MongoDB) and UTF-16 (JavaScript).
  const raised = code === 0xd7ff ? 0xe000 : code + 1;
  return { from: prefix, below: points.join('') + String.fromCodePoint(raised) };
}
