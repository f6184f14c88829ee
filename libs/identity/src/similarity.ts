// String similarity for names: Jaro-Winkler per word, and a token-set similarity for whole names.
//
// Jaro-Winkler is implemented here (≈40 lines, tested against Winkler's published values) rather than taken from
// npm: the maintained package (@skyra/jaro-winkler 1.1.1) uses a match window one wider than Jaro's and a prefix
// of up to 5, so ABCDEF/ABCDXY scores 0.889 instead of 0.867; the correct one (jaro-winkler 0.2.8) is an old UMD
// script without types of its own, two packages for these 40 lines.
import { normalizeName, phoneticKey } from './normalize';

/** Winkler's prefix scale, and the longest common prefix that earns it. */
const PREFIX_SCALE = 0.1;
const MAX_PREFIX = 4;
/** Winkler's boost threshold: the prefix bonus is only given to pairs that are already similar. */
const BOOST_THRESHOLD = 0.7;

/** Jaro similarity in [0, 1]: 1 for equal strings, 0 for strings with no matching characters (or an empty one). */
export function jaro(a: string, b: string): number {
  if (a === b) return a.length > 0 ? 1 : 0;
  const s = [...a];
  const t = [...b];
  if (s.length === 0 || t.length === 0) return 0;

  // Characters match when equal and no further apart than half the longer length, less one.
  const window = Math.max(0, Math.floor(Math.max(s.length, t.length) / 2) - 1);
  const sMatched = new Array<boolean>(s.length).fill(false);
  const tMatched = new Array<boolean>(t.length).fill(false);
  let matches = 0;
  for (let i = 0; i < s.length; i++) {
    const from = Math.max(0, i - window);
    const to = Math.min(t.length - 1, i + window);
    for (let j = from; j <= to; j++) {
      if (!tMatched[j] && s[i] === t[j]) {
        sMatched[i] = tMatched[j] = true;
        matches++;
        break;
      }
    }
  }
  if (matches === 0) return 0;

  // Transpositions: matched characters that are out of order, counted in pairs.
  let outOfOrder = 0;
  for (let i = 0, j = 0; i < s.length; i++) {
    if (!sMatched[i]) continue;
    while (!tMatched[j]) j++;
    if (s[i] !== t[j]) outOfOrder++;
    j++;
  }
  const transpositions = outOfOrder / 2;
  return (matches / s.length + matches / t.length + (matches - transpositions) / matches) / 3;
}

/**
 * Jaro-Winkler similarity in [0, 1] (Winkler 1990): Jaro plus a bonus of 0.1 per common leading character, up to
 * 4, for pairs whose Jaro similarity exceeds 0.7. Case-sensitive: compare normalised strings.
 * MARTHA/MARHTA 0.961, DWAYNE/DUANE 0.84, DIXON/DICKSONX 0.813.
 */
export function jaroWinkler(a: string, b: string): number {
  const similarity = jaro(a, b);
  if (similarity <= BOOST_THRESHOLD) return similarity;
  const s = [...a];
  const t = [...b];
  let prefix = 0;
  while (prefix < MAX_PREFIX && prefix < s.length && prefix < t.length && s[prefix] === t[prefix]) prefix++;
  return similarity + prefix * PREFIX_SCALE * (1 - similarity);
}

/**
 * How similar two name tokens that spell the same sounds are counted, when their phonetic keys are equal but their
 * spellings differ (Serhii/Sergiy: Jaro-Winkler 0.84). It is exactly the threshold at which names count as
 * similar, not above it: a transliteration variant is evidence of the same name, but never as strong as the same
 * spelling.
 */
export const PHONETIC_MATCH_SIMILARITY = 0.9;

/** Names whose nameSimilarity reaches this are "similar" for scoring (see match.ts). */
export const NAME_SIMILARITY_THRESHOLD = 0.9;

/**
 * The most two name tokens can count as similar when they are the masculine and feminine forms of one name or
 * surname (Oleksandr/Oleksandra, Ivanov/Ivanova, Kovalskyi/Kovalska: Jaro-Winkler about 0.97). Those are two people,
 * often of one household, so the pair is held well below the threshold.
 */
export const GENDER_FORM_SIMILARITY = 0.5;

/**
 * Similarity of two normalised name tokens: their Jaro-Winkler similarity, except when both have at least two
 * letters and their phonetic keys say more than the spelling does:
 * - same key (Serhii/Sergiy): at least PHONETIC_MATCH_SIMILARITY;
 * - keys that differ only by the feminine ending (see phoneticKey): at most GENDER_FORM_SIMILARITY.
 */
export function tokenSimilarity(a: string, b: string): number {
  const spelling = jaroWinkler(a, b);
  if (a.length < 2 || b.length < 2) return spelling;
  const keyA = phoneticKey(a);
  const keyB = phoneticKey(b);
  if (keyA === keyB) return Math.max(spelling, PHONETIC_MATCH_SIMILARITY);
  if (`${keyA}a` === keyB || `${keyB}a` === keyA) return Math.min(spelling, GENDER_FORM_SIMILARITY);
  return spelling;
}

/**
 * Token-set similarity of two lists of normalised tokens, in [0, 1]. The most similar pair of tokens is matched
 * first, then the next most similar among the tokens left, until the shorter list is used up; the result is the
 * similarity of the WEAKEST of those pairs. Word order does not matter, and extra words of the longer name (a
 * patronymic, a second surname) cost nothing: 'Olena Shevchenko' vs 'Shevchenko Olena Petrivna' is 1. The weakest
 * pair and not the mean, because one clearly different word is a different person: 'Olena Shevchenko' vs 'Oleh
 * Shevchenko' (a couple) is 0.85, where the mean would be 0.92. A lone first name equals every full name that has
 * it, which is why a name alone is weak evidence in scorePair. 0 when either list is empty.
 */
export function tokenSetSimilarity(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  const pairs: Array<{ i: number; j: number; similarity: number }> = [];
  for (let i = 0; i < a.length; i++) {
    for (let j = 0; j < b.length; j++) pairs.push({ i, j, similarity: tokenSimilarity(a[i], b[j]) });
  }
  // Stable sort: among equal similarities the earlier tokens pair first, so the result is deterministic.
  pairs.sort((x, y) => y.similarity - x.similarity);

  const usedA = new Set<number>();
  const usedB = new Set<number>();
  let weakest = 1;
  const wanted = Math.min(a.length, b.length);
  for (const { i, j, similarity } of pairs) {
    if (usedA.has(i) || usedB.has(j)) continue;
    usedA.add(i);
    usedB.add(j);
    weakest = Math.min(weakest, similarity);
    if (usedA.size === wanted) break;
  }
  return weakest;
}

/**
 * Similarity of two person names in [0, 1], after normalizeName (so Cyrillic and Latin spellings compare):
 * tokenSetSimilarity of their words. 'Shevchenko Olena' vs 'Олена Шевченко' is 1; 0 when either has no words.
 */
export function nameSimilarity(a: string | null | undefined, b: string | null | undefined): number {
  const left = normalizeName(a);
  const right = normalizeName(b);
  if (left === null || right === null) return 0;
  return tokenSetSimilarity(left.split(' '), right.split(' '));
}
