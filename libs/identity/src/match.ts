// Duplicate detection over customer profiles: the blocking keys a blind index hashes to find candidate pairs,
// and the score of one candidate pair with the reasons behind it. Pure functions over plain data.
import { nameKeyTokens, normalizeCompany, normalizeEmail, normalizeName, normalizePhone, normalizePostcode } from './normalize';
import { NAME_SIMILARITY_THRESHOLD, tokenSetSimilarity } from './similarity';

/** What duplicate detection reads of a customer. A company's `name` is its company name. */
export type MatchProfile = {
  name?: string;
  email?: string | null;
  phone?: string | null;
  company?: string | null;
  postalCode?: string | null;
  kind?: 'person' | 'company';
};

export type MatchingKeyKind = 'email' | 'phone' | 'name_postcode' | 'name_company';
export type MatchingKey = { kind: MatchingKeyKind; value: string };

export type MatchReason = 'same_email' | 'same_phone' | 'similar_name' | 'same_postcode' | 'same_company';
export type PairScore = { score: number; reasons: MatchReason[] };

/** Only the first words of a long name form name keys, which bounds them to 6 pairs per postcode or company. */
const MAX_NAME_TOKENS = 4;

/**
 * The blocking keys of a profile: two profiles are candidate duplicates when they share one. A blind index stores
 * only keyed hashes of these values.
 * - `email`: normalizeEmail; `phone`: E.164 (numbers without a country code read as Ukrainian);
 * - for a person, `name_postcode` and `name_company`: for every pair of the first four words of the name (so a
 *   patronymic or a middle name present on one record only still leaves the first-name/surname pair in common),
 *   the two words' phonetic keys sorted, then '|' and the normalised postcode or company:
 *   'Олена Шевченко', 01001 → 'alna xvcnk|01001'. A one-word name gives no name key: 'Olena' in a postcode is
 *   far too common to be a candidate;
 * - for a company, `name_postcode`: its normalised company name, '|' and the postcode.
 * Deterministic, without duplicates, sorted by kind then value.
 */
export function matchingKeys(profile: MatchProfile): MatchingKey[] {
  const keys: MatchingKey[] = [];
  const email = normalizeEmail(profile.email);
  if (email !== null) keys.push({ kind: 'email', value: email });
  const phone = normalizePhone(profile.phone);
  if (phone !== null) keys.push({ kind: 'phone', value: phone });

  const postcode = normalizePostcode(profile.postalCode);
  if (profile.kind === 'company') {
    const companyName = normalizeCompany(profile.name);
    if (companyName !== null && postcode !== null) keys.push({ kind: 'name_postcode', value: `${companyName}|${postcode}` });
  } else {
    const company = normalizeCompany(profile.company);
    const words = nameKeyTokens(profile.name).slice(0, MAX_NAME_TOKENS);
    for (let i = 0; i < words.length; i++) {
      for (let j = i + 1; j < words.length; j++) {
        const pair = [words[i], words[j]].sort().join(' ');
        if (postcode !== null) keys.push({ kind: 'name_postcode', value: `${pair}|${postcode}` });
        if (company !== null) keys.push({ kind: 'name_company', value: `${pair}|${company}` });
      }
    }
  }

  const unique = new Map(keys.map((key) => [`${key.kind}\u0000${key.value}`, key]));
  return [...unique.values()].sort((a, b) => compare(a.kind, b.kind) || compare(a.value, b.value));
}

/**
 * How much each kind of evidence adds to a pair's score. The weights are set so that the combinations that mean
 * something land in the right band (see matchBand), not fitted to data, which the product does not have yet:
 * - an email (0.6) or a phone (0.5) alone is a strong but not conclusive signal: households and small firms
 *   share them, so either alone means "review"; both together, or either with a similar name, mean "very likely";
 * - a similar name (0.35, scaled by its similarity: 0.315–0.35) alone is weak: 'Olena Shevchenko' is the most common
 *   Ukrainian surname with a common first name;
 * - a shared postcode or company (0.2 each) only corroborates a similar name: a household shares a postcode, a firm
 *   its company, so on their own they say nothing about being one person and are ignored. A similar name with
 *   either is "review" (0.515–0.55), with both still "review" (0.715–0.75);
 * - names present on both sides that are not similar cap the score at 0.75, below "very likely": an email and a
 *   phone shared by two different names are a household or a firm, and a human must decide.
 */
export const MATCH_WEIGHTS = {
  sameEmail: 0.6,
  samePhone: 0.5,
  similarName: 0.35,
  samePostcode: 0.2,
  sameCompany: 0.2,
  conflictingNamesCap: 0.75,
} as const;

/** Score bands: at or above LIKELY very likely the same customer; from REVIEW to LIKELY a person should review;
 * below REVIEW unlikely. */
export const MATCH_THRESHOLDS = { likely: 0.8, review: 0.5 } as const;

export type MatchBand = 'likely' | 'review' | 'unlikely';

export function matchBand(score: number): MatchBand {
  if (score >= MATCH_THRESHOLDS.likely) return 'likely';
  if (score >= MATCH_THRESHOLDS.review) return 'review';
  return 'unlikely';
}

/**
 * Scores one candidate pair in [0, 1] with the reasons that contributed, in a fixed order (see MATCH_WEIGHTS for
 * the weights and matchBand for what a score means). Values are compared after normalisation, so 'Olena@Gmail.com'
 * and 'o.lena+shop@gmail.com' are the same email and 'Олена Шевченко' and 'Shevchenko Olena' the same name.
 * Missing or unusable values are neither evidence for nor against. The score is rounded to 3 decimals.
 */
export function scorePair(a: MatchProfile, b: MatchProfile): PairScore {
  const reasons: MatchReason[] = [];
  let score = 0;

  if (sameNormalized(a.email, b.email, normalizeEmail)) {
    reasons.push('same_email');
    score += MATCH_WEIGHTS.sameEmail;
  }
  if (sameNormalized(a.phone, b.phone, (phone) => normalizePhone(phone))) {
    reasons.push('same_phone');
    score += MATCH_WEIGHTS.samePhone;
  }

  const namesA = nameWords(a);
  const namesB = nameWords(b);
  const bothNamed = namesA.length > 0 && namesB.length > 0;
  const similarity = bothNamed ? tokenSetSimilarity(namesA, namesB) : 0;
  const similarName = bothNamed && similarity >= NAME_SIMILARITY_THRESHOLD;
  if (similarName) {
    reasons.push('similar_name');
    score += MATCH_WEIGHTS.similarName * similarity;
    if (sameNormalized(a.postalCode, b.postalCode, normalizePostcode)) {
      reasons.push('same_postcode');
      score += MATCH_WEIGHTS.samePostcode;
    }
    if (sameNormalized(a.company, b.company, normalizeCompany)) {
      reasons.push('same_company');
      score += MATCH_WEIGHTS.sameCompany;
    }
  }

  score = Math.min(score, 1);
  if (bothNamed && !similarName) score = Math.min(score, MATCH_WEIGHTS.conflictingNamesCap);
  return { score: Math.round(score * 1000) / 1000, reasons };
}

/** The words a profile's name is compared by: a person's normalised name, or a company's name without its legal form. */
function nameWords(profile: MatchProfile): string[] {
  const normalized = profile.kind === 'company' ? normalizeCompany(profile.name) : normalizeName(profile.name);
  return normalized === null ? [] : normalized.split(' ');
}

function sameNormalized(
  a: string | null | undefined,
  b: string | null | undefined,
  normalize: (value: string | null | undefined) => string | null,
): boolean {
  const left = normalize(a);
  return left !== null && left === normalize(b);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
