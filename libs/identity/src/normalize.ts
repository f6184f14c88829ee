// Normalisation of the personal data that duplicate detection compares: emails, phones, names, postcodes and
// company names. Pure functions: the same input always gives the same output, nothing is read or written.
// Every function returns null for input that holds nothing usable, so callers never compare or hash empty strings.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import isEmail from 'validator/lib/isEmail';
import { APOSTROPHES, toLatinWords } from './transliterate';

// ---------------------------------------------------------------------------------------------------------------
// Email
// ---------------------------------------------------------------------------------------------------------------

/**
 * Providers whose mailboxes deliver `name+anything@domain` to `name@domain` (documented "plus addressing"), so
 * the tag is dropped. Only providers that document it are listed: on any other domain (a company's own, or a
 * provider such as ukr.net that does not document it) `a+b` may be a different mailbox, and a wrong strip would
 * claim that two people share an address.
 */
const PLUS_ADDRESSING_DOMAINS: ReadonlySet<string> = new Set([
  // Google: plus addressing and dots ignored in consumer Gmail.
  'gmail.com',
  // Microsoft's consumer mail (Outlook.com and its older Hotmail, Live and MSN addresses) has delivered plus
  // addresses since 2013.
  'outlook.com', 'hotmail.com', 'live.com', 'msn.com',
  // Apple iCloud Mail (icloud.com and the older me.com / mac.com addresses of the same accounts).
  'icloud.com', 'me.com', 'mac.com',
  // Fastmail: plus addressing is a documented feature on its own domains.
  'fastmail.com', 'fastmail.fm',
  // Proton Mail: plus addressing on all Proton domains.
  'proton.me', 'protonmail.com', 'protonmail.ch', 'pm.me',
  // Yandex Mail supports login+tag; its addresses are still common in Ukrainian customer data from before 2017.
  'yandex.ru',
]);

/**
 * Domains that are the same mailbox under another name. Gmail treats googlemail.com as gmail.com; Yandex delivers
 * login@ya.ru, login@yandex.ua, … to the one account login@yandex.ru.
 */
const DOMAIN_ALIASES: Readonly<Record<string, string>> = {
  'googlemail.com': 'gmail.com',
  'yandex.ua': 'yandex.ru', 'yandex.com': 'yandex.ru', 'yandex.by': 'yandex.ru', 'yandex.kz': 'yandex.ru', 'ya.ru': 'yandex.ru',
};

/** Only consumer Gmail ignores dots in the local part; Google Workspace domains and every other provider do not. */
const DOTS_IGNORED_DOMAINS: ReadonlySet<string> = new Set(['gmail.com']);

// Yahoo's "-suffix" disposable addresses are deliberately NOT folded (unlike validator's normalizeEmail): a hyphen is
// an ordinary character there too, and folding would make ivan-petrenko@ and ivan-kovalenko@ the same person.
const EMAIL_SYNTAX = { allow_utf8_local_part: true, require_tld: true, allow_ip_domain: false, allow_display_name: false };

/**
 * The address a mailbox really is: trimmed, lowercased, with provider-specific aliases removed
 * (' Olena.Shevchenko+shop@GoogleMail.com ' → 'olenashevchenko@gmail.com'). Null when it is not an email address.
 */
export function normalizeEmail(email: string | null | undefined): string | null {
  if (typeof email !== 'string') return null;
  const candidate = email.normalize('NFKC').trim().toLowerCase();
  if (!isEmail(candidate, EMAIL_SYNTAX)) return null;
  const at = candidate.lastIndexOf('@');
  let local = candidate.slice(0, at);
  const rawDomain = candidate.slice(at + 1);
  const domain = DOMAIN_ALIASES[rawDomain] ?? rawDomain;
  if (PLUS_ADDRESSING_DOMAINS.has(domain)) {
    const plus = local.indexOf('+');
    if (plus > 0) local = local.slice(0, plus);
  }
  if (DOTS_IGNORED_DOMAINS.has(domain)) local = local.replace(/\./g, '');
  return local.length > 0 ? `${local}@${domain}` : null;
}

// ---------------------------------------------------------------------------------------------------------------
// Phone
// ---------------------------------------------------------------------------------------------------------------

/**
 * E.164 form of a phone number ('+38 (044) 123-45-67', '044 123 45 67', '0441234567' → '+380441234567'), or null
 * when it is not a valid number. Validation uses libphonenumber's full metadata (number patterns per region, not
 * only lengths). Numbers written without a country code are read in `defaultRegion`. An extension is dropped, so
 * two extensions of one switchboard count as the same phone.
 *
 * One Ukrainian legacy form is accepted on top: the Soviet-era long-distance prefix 8 before the 0 of the area code
 * ('8 (044) 123-45-67', still common in old records), which libphonenumber rejects.
 */
export function normalizePhone(phone: string | null | undefined, defaultRegion: CountryCode = 'UA'): string | null {
  if (typeof phone !== 'string') return null;
  let text = phone.normalize('NFKC').trim();
  if (defaultRegion === 'UA' && !text.startsWith('+')) {
    const digits = text.replace(/\D/g, '');
    if (digits.length === 11 && digits.startsWith('80')) text = digits.slice(1);
  }
  const parsed = parsePhoneNumberFromString(text, defaultRegion);
  return parsed !== undefined && parsed.isValid() ? parsed.number : null;
}

// ---------------------------------------------------------------------------------------------------------------
// Person names
// ---------------------------------------------------------------------------------------------------------------

/**
 * A person's name as plain lowercase Latin words: Unicode NFKC, lowercase, Cyrillic transliterated with the fixed
 * table in transliterate.ts, diacritics and punctuation removed, spaces collapsed ('  ШЕВЧЕНКО, Олена ' →
 * 'shevchenko olena'; 'Zoë O'Brien-Smith' → 'zoe obrien smith'). Token order is kept; null when nothing is left.
 */
export function normalizeName(name: string | null | undefined): string | null {
  if (typeof name !== 'string') return null;
  const words = toLatinWords(name);
  return words.length > 0 ? words : null;
}

/**
 * Coarse phonetic key of ONE normalised name token, built so that the usual Ukrainian, Russian and
 * passport/English/German/Polish spellings of one name meet:
 *   Сергій, Serhii, Sergiy, Sergii, Sergey → 'srh'      Юлія, Yuliia, Yulia, Julia, Юлия → 'yula'
 *   Андрій, Andrii, Andriy, Andrey, Andrij → 'andr'    Олексій, Oleksii, Aleksey, Alexei → 'alks'
 *   Шевченко, Shevchenko, Schewtschenko, Szewczenko → 'xvcnk'
 *
 * Steps, in this order:
 *  1. letters other spellings use for ours: x → ks, w → v, q → k, j → y (j is the y-sound in Julia, Andrij, Jurij);
 *  2. letter groups for one sound become one code letter (uppercase while building, so the single letters of
 *     step 3 cannot hit them), longest first: shch/szcz → Q (щ); tsch/tch → C (ч); sch/sh/sz → X (ш);
 *     ch/cz → C (ч); zh → J (ж); ts/tz → W (ц); kh → h (х); ph → f; ck → k;
 *  3. g → h and a lone c → k: Ukrainian writes г as h, Russian as g, and х (kh) is close enough to merge with both
 *     (Hanna/Ganna, Serhii/Sergey); c alone is the k of English spellings (Victoria/Viktoriia);
 *  4. the first sound is kept as a class: a/o → 'a' (Oleksii/Aleksey), e/i/y → 'e' (Yevhen/Evgeny, Ihor/Igor),
 *     u → 'u'; an initial y/i glide before a/o or u keeps its y ('ya', 'yu': Yaryna ≠ Iryna, Yuliia ≠ Uliana);
 *     a first consonant is kept as it is;
 *  5. every later vowel (a e i o u y) is dropped, which removes the ii/iy/ij/ey/ia/iya endings and the
 *     і/и/ы vowel differences, and runs of one consonant become one (Anna/Ana, Savva/Sava);
 *  6. a final 'a' is appended when the token ends in a: it is the feminine ending of most names and surnames in
 *     both languages, so Oleksandr/Oleksandra, Oleh/Olha and Ivanov/Ivanova (often one household) stay apart
 *     (tokenSimilarity in similarity.ts uses the same marker to score such pairs as different names).
 *
 * Known collisions it accepts, because it is a blocking key (a miss is costlier than an extra candidate) and pairs
 * are then scored on their spelling: Olena/Alina ('alna'), Elena/Ilona ('elna'). Known misses: translations of a
 * name rather than spellings (Mykola/Nikolai, Kateryna/Ekaterina), the German ch for х (Mychajlo), the Polish c for
 * ц (Cybulia). Double Metaphone was tried and rejected: it keys Serhii 'SR' but Sergiy 'SRJ', and gives Oleh, Olha
 * and Yuliia the same 'AL'.
 */
export function phoneticKey(token: string): string {
  let s = token
    .replace(/x/g, 'ks')
    .replace(/w/g, 'v')
    .replace(/q/g, 'k')
    .replace(/j/g, 'y');
  s = s
    .replace(/shch|szcz/g, 'Q')
    .replace(/tsch|tch/g, 'C')
    .replace(/sch|sh|sz/g, 'X')
    .replace(/ch|cz/g, 'C')
    .replace(/zh/g, 'J')
    .replace(/ts|tz/g, 'W')
    .replace(/kh/g, 'h')
    .replace(/ph/g, 'f')
    .replace(/ck/g, 'k');
  s = s.replace(/g/g, 'h').replace(/c/g, 'k');

  let first: string;
  let rest: string;
  const glide = /^[yi]([aou])/.exec(s);
  if (glide !== null) {
    first = glide[1] === 'u' ? 'yu' : 'ya';
    rest = s.slice(2);
  } else if (/^[ao]/.test(s)) {
    [first, rest] = ['a', s.slice(1)];
  } else if (/^[eiy]/.test(s)) {
    [first, rest] = ['e', s.slice(1)];
  } else {
    // 'u' or a consonant: kept as it is.
    [first, rest] = [s.slice(0, 1), s.slice(1)];
  }
  const skeleton = (first + rest.replace(/[aeiouy]/g, '')).replace(/(.)\1+/g, '$1');
  return (skeleton + (s.endsWith('a') ? 'a' : '')).toLowerCase();
}

/**
 * The phonetic keys of a name's tokens, in the name's word order. Single letters (initials such as the 'O.' of
 * 'O. Shevchenko') are left out, since one letter cannot be keyed like the full name it abbreviates.
 */
export function nameKeyTokens(name: string | null | undefined): string[] {
  const normalized = normalizeName(name);
  if (normalized === null) return [];
  return normalized
    .split(' ')
    .filter((token) => token.length >= 2)
    .map(phoneticKey);
}

/**
 * Order-insensitive phonetic key of a whole name: the phoneticKey of each token, sorted and joined by a space
 * ('Олена Шевченко' and 'Shevchenko Olena' → 'alna xvcnk'). Null when the name has no token of two letters or more.
 */
export function nameKey(name: string | null | undefined): string | null {
  const keys = nameKeyTokens(name).sort();
  return keys.length > 0 ? keys.join(' ') : null;
}

// ---------------------------------------------------------------------------------------------------------------
// Postcode
// ---------------------------------------------------------------------------------------------------------------

/**
 * A postcode as uppercase letters and digits without spaces or hyphens ('sw1a 1aa' → 'SW1A1AA', ' 01001 ' →
 * '01001'). A 4-digit code is left-padded to 5 digits: spreadsheets drop the leading zero of Kyiv's codes
 * (01001 → 1001). Since both sides of a comparison are padded alike this never separates equal codes; at worst it
 * equates a foreign 4-digit code with a Ukrainian one, which the other evidence has to confirm anyway.
 * Null when fewer than 3 or more than 10 characters are left, or for anything else.
 */
export function normalizePostcode(code: string | null | undefined): string | null {
  if (typeof code !== 'string') return null;
  const compact = code.normalize('NFKC').toUpperCase().replace(/[\s-]+/g, '');
  if (!/^[A-Z0-9]{3,10}$/.test(compact)) return null;
  return /^\d{4}$/.test(compact) ? `0${compact}` : compact;
}

// ---------------------------------------------------------------------------------------------------------------
// Company names
// ---------------------------------------------------------------------------------------------------------------

/**
 * Legal forms, as words after lowercasing and punctuation removal, in the script they are written in. They are
 * removed only at the start or the end of a name (repeatedly), where registers and invoices put them ('ТОВ
 * «Ромашка»', 'Ромашка, ТОВ', 'Romashka LLC', 'LLC "Romashka"'). Latin transliterations of the Ukrainian forms are
 * listed when they are not also ordinary words or names ('pat' and 'at' are not).
 */
const LEGAL_FORMS: readonly string[] = [
  // Ukrainian
  'тов', 'тзов', 'тдв', 'пп', 'фоп', 'спд', 'спд фо', 'пат', 'прат', 'ват', 'зат', 'ат', 'дп', 'кп',
  'товариство з обмеженою відповідальністю', 'товариство з додатковою відповідальністю', 'приватне підприємство',
  'фізична особа підприємець', 'публічне акціонерне товариство', 'приватне акціонерне товариство',
  'акціонерне товариство', 'державне підприємство', 'комунальне підприємство',
  // Russian
  'ооо', 'оао', 'зао', 'пао', 'ао', 'ип', 'чп',
  'общество с ограниченной ответственностью', 'частное предприятие', 'индивидуальный предприниматель',
  // Latin spellings of the Ukrainian and Russian forms
  'tov', 'tzov', 'fop', 'prat', 'pp', 'ooo',
  // English, German, Polish
  'llc', 'ltd', 'limited', 'inc', 'incorporated', 'llp', 'plc', 'corp', 'corporation', 'gmbh',
  'limited liability company', 'private enterprise', 'sp z oo',
];

const LEGAL_FORM_TOKENS: readonly (readonly string[])[] = LEGAL_FORMS.map((form) => form.split(' ')).sort(
  (a, b) => b.length - a.length, // longest first, so 'спд фо' goes before 'спд'
);

const QUOTES = /["«»“”„‟‹›]/g;

function startsWithForm(tokens: readonly string[], form: readonly string[]): boolean {
  return form.length <= tokens.length && form.every((word, i) => tokens[i] === word);
}

function endsWithForm(tokens: readonly string[], form: readonly string[]): boolean {
  const offset = tokens.length - form.length;
  return offset >= 0 && form.every((word, i) => tokens[offset + i] === word);
}

/**
 * A company name without its legal form, quotes and punctuation, lowercased and transliterated like a person's
 * name: 'ТОВ «Ромашка»', 'Ромашка, ТзОВ', 'Romashka LLC' and 'L.L.C. "Romashka"' → 'romashka'. Null when nothing
 * but a legal form (or nothing at all) is left.
 */
export function normalizeCompany(name: string | null | undefined): string | null {
  if (typeof name !== 'string') return null;
  const words = name
    .normalize('NFKC')
    .toLowerCase()
    .replace(QUOTES, ' ')
    .replace(APOSTROPHES, '')
    .split(/\s+/)
    // Dotted abbreviations lose their dots first, so 'l.l.c.' is the word 'llc' and not the words 'l l c'.
    .map((word) => (/^(\p{L}\.)+\p{L}?\.?$/u.test(word) ? word.replace(/\./g, '') : word))
    .join(' ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  let tokens = words.length > 0 ? words.split(' ') : [];

  for (let changed = true; changed && tokens.length > 0; ) {
    changed = false;
    for (const form of LEGAL_FORM_TOKENS) {
      if (startsWithForm(tokens, form)) {
        tokens = tokens.slice(form.length);
        changed = true;
      } else if (endsWithForm(tokens, form)) {
        tokens = tokens.slice(0, tokens.length - form.length);
        changed = true;
      }
      if (changed) break;
    }
  }

  const latin = toLatinWords(tokens.join(' '));
  return latin.length > 0 ? latin : null;
}
