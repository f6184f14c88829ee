// Cyrillic → Latin transliteration for matching, and folding of accented Latin letters to plain ASCII.
//
// The scheme is ONE fixed table: the Ukrainian national transliteration (Cabinet of Ministers resolution No. 55 of
// 27.01.2010), which is what Ukrainian passports have printed since 2010, so a name typed in Cyrillic lands on the
// spelling in the customer's passport ('Олена Шевченко' → 'olena shevchenko', 'Юлія' → 'yuliia', 'Сергій' →
// 'serhii'). Russian letters that Ukrainian lacks follow the Russian passport (ICAO Doc 9303) spelling: ё → e,
// ы → y, э → e, ъ → (nothing). The letters both languages share keep their Ukrainian value (и → y, г → h), because
// Cyrillic text alone does not say which language it is and Ukraine is the home market; the remaining
// Ukrainian/Russian differences (Sergiy/Serhii, Andrey/Andrii) are left to the phonetic key in normalize.ts.
//
// Two rules depend on position, as in the 2010 table:
// - є ї й ю я are ye yi y yu ya at the start of a word and ie i i iu ia elsewhere ('Яна' → 'yana', 'Марія' → 'mariia');
// - зг is zgh, so it cannot be read back as ж (zh).
// Apostrophes are not letters in this scheme ('Мар'яна' → 'mariana'); callers drop them before calling.

type Spelling = string | { readonly atWordStart: string; readonly elsewhere: string };

const CYRILLIC_TO_LATIN: Readonly<Record<string, Spelling>> = {
  а: 'a', б: 'b', в: 'v', г: 'h', ґ: 'g', д: 'd', е: 'e',
  є: { atWordStart: 'ye', elsewhere: 'ie' },
  ж: 'zh', з: 'z', и: 'y', і: 'i',
  ї: { atWordStart: 'yi', elsewhere: 'i' },
  й: { atWordStart: 'y', elsewhere: 'i' },
  к: 'k', л: 'l', м: 'm', н: 'n', о: 'o', п: 'p', р: 'r', с: 's', т: 't', у: 'u', ф: 'f',
  х: 'kh', ц: 'ts', ч: 'ch', ш: 'sh', щ: 'shch', ь: '',
  ю: { atWordStart: 'yu', elsewhere: 'iu' },
  я: { atWordStart: 'ya', elsewhere: 'ia' },
  // Russian letters (Russian passport / ICAO spellings).
  ё: 'e', ы: 'y', э: 'e', ъ: '',
  // Belarusian short u, so a Belarusian spelling does not lose a letter.
  ў: 'u',
};

// Latin letters that Unicode decomposition does not reduce to a base letter plus marks.
const LATIN_FOLDS: Readonly<Record<string, string>> = {
  ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd', ð: 'd', þ: 'th', ı: 'i', ħ: 'h', ŧ: 't', ŋ: 'n',
};

const LETTER = /\p{L}/u;

/** Transliterates the Cyrillic letters of LOWERCASE text with the fixed table above; other characters pass through. */
export function transliterateCyrillic(lowercase: string): string {
  const chars = [...lowercase];
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    const spelling = CYRILLIC_TO_LATIN[ch];
    if (spelling === undefined) {
      out += ch;
      continue;
    }
    if (typeof spelling !== 'string') {
      const atWordStart = i === 0 || !LETTER.test(chars[i - 1]);
      out += atWordStart ? spelling.atWordStart : spelling.elsewhere;
    } else if (ch === 'г' && i > 0 && chars[i - 1] === 'з') {
      out += 'gh';
    } else {
      out += spelling;
    }
  }
  return out;
}

/** Removes diacritics from Latin letters ('é' → 'e', 'ł' → 'l', 'ß' → 'ss'). Run it after transliterateCyrillic:
 * decomposition would otherwise turn й into и and ї into і before the table sees them. */
export function foldLatin(lowercase: string): string {
  return lowercase
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[ßæœøłđðþıħŧŋ]/g, (ch) => LATIN_FOLDS[ch]);
}

/** Apostrophe-like characters, which neither the 2010 table nor Latin spellings ('O'Brien') treat as separators. */
export const APOSTROPHES = /['’‘ʼʹ`´]/g;

/**
 * The shared text pipeline of names and company names: NFKC, lowercase, drop apostrophes, transliterate Cyrillic,
 * fold diacritics, and turn everything that is not a-z or 0-9 into a single space. Letters of other scripts are
 * dropped: an unsupported script yields fewer tokens, never a false match.
 */
export function toLatinWords(text: string): string {
  const lower = text.normalize('NFKC').toLowerCase().replace(APOSTROPHES, '');
  return foldLatin(transliterateCyrillic(lower))
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}
