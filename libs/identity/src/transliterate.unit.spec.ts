import { foldLatin, toLatinWords, transliterateCyrillic } from './transliterate';

describe('transliterateCyrillic (Ukrainian 2010 passport table, Russian extras)', () => {
  it.each([
    ['олена шевченко', 'olena shevchenko'],
    ['сергій', 'serhii'],
    ['андрій', 'andrii'],
    ['олексій', 'oleksii'],
    ['ґалаґан', 'galagan'],
    ['щербак', 'shcherbak'],
    ['жанна', 'zhanna'],
    ['цибуля', 'tsybulia'],
    ['хмельницький', 'khmelnytskyi'],
  ])('%s → %s', (cyrillic, latin) => {
    expect(transliterateCyrillic(cyrillic)).toBe(latin);
  });

  it('spells є ї й ю я one way at the start of a word and another inside it', () => {
    expect(transliterateCyrillic('яна')).toBe('yana');
    expect(transliterateCyrillic('марія')).toBe('mariia');
    expect(transliterateCyrillic('юлія')).toBe('yuliia');
    expect(transliterateCyrillic('юрій')).toBe('yurii');
    expect(transliterateCyrillic('євген')).toBe('yevhen');
    expect(transliterateCyrillic('гнєдаш')).toBe('hniedash');
    expect(transliterateCyrillic('їжакевич')).toBe('yizhakevych');
    expect(transliterateCyrillic('раїса')).toBe('raisa');
    expect(transliterateCyrillic('йосип')).toBe('yosyp');
    // A word starts after a space or punctuation, too.
    expect(transliterateCyrillic('олена-яна')).toBe('olena-yana');
  });

  it('writes зг as zgh so it cannot be read back as ж', () => {
    expect(transliterateCyrillic('згурський')).toBe('zghurskyi');
  });

  it('spells the Russian-only letters as Russian passports do, ь and ъ as nothing', () => {
    expect(transliterateCyrillic('пётр')).toBe('petr');
    expect(transliterateCyrillic('эдуард')).toBe('eduard');
    expect(transliterateCyrillic('рыбаков')).toBe('rybakov');
    expect(transliterateCyrillic('подъячев')).toBe('podiachev');
    expect(transliterateCyrillic('ольга')).toBe('olha');
  });

  it('leaves Latin letters, digits and punctuation alone', () => {
    expect(transliterateCyrillic('olena, 42')).toBe('olena, 42');
  });
});

describe('foldLatin', () => {
  it('removes diacritics, including letters that do not decompose', () => {
    expect(foldLatin('zoë čapek łukasz straße søren')).toBe('zoe capek lukasz strasse soren');
  });
});

describe('toLatinWords', () => {
  it('applies NFKC, lowercase, apostrophes, transliteration, folding and punctuation in one go', () => {
    expect(toLatinWords("  ШЕВЧЕНКО,  Мар'яна ")).toBe('shevchenko mariana');
    expect(toLatinWords('Мар’яна')).toBe('mariana');
    expect(toLatinWords('ＯＬＥＮＡ')).toBe('olena');
    expect(toLatinWords("O'Brien-Smith")).toBe('obrien smith');
  });

  it('accepts names typed with Latin look-alikes inside Cyrillic', () => {
    // Cyrillic О and е among Latin letters: a common keyboard mix.
    expect(toLatinWords('\u041El\u0435na')).toBe('olena');
  });

  it('drops letters of scripts it does not transliterate, so they cannot cause a match', () => {
    expect(toLatinWords('张伟')).toBe('');
    expect(toLatinWords('Olena 张伟')).toBe('olena');
  });
});
