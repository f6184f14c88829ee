import { jaro, jaroWinkler, nameSimilarity, NAME_SIMILARITY_THRESHOLD, tokenSetSimilarity, tokenSimilarity } from './similarity';

describe('jaro and jaroWinkler', () => {
  // Published values: Winkler (1990) and the textbook examples quoted with them, to 3 decimals.
  it.each([
    ['MARTHA', 'MARHTA', 0.944, 0.961],
    ['DWAYNE', 'DUANE', 0.822, 0.84],
    ['DIXON', 'DICKSONX', 0.767, 0.813],
    ['JELLYFISH', 'SMELLYFISH', 0.896, 0.896],
  ])('%s / %s: Jaro %d, Jaro-Winkler %d', (a, b, jaroValue, jaroWinklerValue) => {
    expect(jaro(a, b)).toBeCloseTo(jaroValue, 3);
    expect(jaroWinkler(a, b)).toBeCloseTo(jaroWinklerValue, 3);
  });

  it('counts at most 4 prefix characters', () => {
    // Jaro 0.778; with a prefix of 4 (not 5): 0.778 + 4 × 0.1 × 0.222 = 0.867.
    expect(jaroWinkler('ABCDEF', 'ABCDXY')).toBeCloseTo(0.867, 3);
  });

  it('gives no prefix bonus below the boost threshold of 0.7', () => {
    expect(jaro('ab', 'ac')).toBeCloseTo(0.667, 3);
    expect(jaroWinkler('ab', 'ac')).toBeCloseTo(0.667, 3);
  });

  it('is 1 for equal strings and 0 without common characters or with an empty one', () => {
    expect(jaroWinkler('olena', 'olena')).toBe(1);
    expect(jaroWinkler('abc', 'xyz')).toBe(0);
    expect(jaroWinkler('', 'olena')).toBe(0);
    expect(jaroWinkler('', '')).toBe(0);
  });

  it('is symmetric on these examples', () => {
    for (const [a, b] of [['MARTHA', 'MARHTA'], ['DIXON', 'DICKSONX'], ['serhii', 'sergiy']]) {
      expect(jaroWinkler(a, b)).toBeCloseTo(jaroWinkler(b, a), 12);
    }
  });
});

describe('tokenSimilarity', () => {
  it('raises spelling variants of one name to the similarity threshold, not above', () => {
    expect(jaroWinkler('serhii', 'sergiy')).toBeCloseTo(0.844, 3);
    expect(tokenSimilarity('serhii', 'sergiy')).toBe(0.9);
    expect(jaroWinkler('oleksii', 'aleksey')).toBeCloseTo(0.714, 3);
    expect(tokenSimilarity('oleksii', 'aleksey')).toBe(0.9);
  });

  it('holds masculine and feminine forms of one name apart', () => {
    expect(jaroWinkler('oleksandr', 'oleksandra')).toBeCloseTo(0.98, 3);
    expect(tokenSimilarity('oleksandr', 'oleksandra')).toBe(0.5);
    expect(tokenSimilarity('ivanova', 'ivanov')).toBe(0.5);
    expect(tokenSimilarity('kovalskyi', 'kovalska')).toBe(0.5);
  });

  it('keeps the spelling similarity of different names', () => {
    expect(tokenSimilarity('olena', 'oleh')).toBeCloseTo(0.848, 3);
    expect(tokenSimilarity('shevchenko', 'kovalenko')).toBeCloseTo(0.619, 3);
  });
});

describe('tokenSetSimilarity', () => {
  it('is 0 when either side has no tokens', () => {
    expect(tokenSetSimilarity([], ['olena'])).toBe(0);
    expect(tokenSetSimilarity(['olena'], [])).toBe(0);
  });

  it('is the similarity of the weakest matched pair', () => {
    expect(tokenSetSimilarity(['olena', 'shevchenko'], ['oleh', 'shevchenko'])).toBeCloseTo(0.848, 3);
  });
});

describe('nameSimilarity', () => {
  it('ignores word order', () => {
    expect(nameSimilarity('Shevchenko Olena', 'Olena Shevchenko')).toBe(1);
  });

  it('compares Cyrillic with Latin spellings', () => {
    expect(nameSimilarity('Олена Шевченко', 'Shevchenko Olena')).toBe(1);
    expect(nameSimilarity('Сергій Коваленко', 'Sergiy Kovalenko')).toBe(0.9);
    expect(nameSimilarity('Юлія Бондар', 'Julia Bondar')).toBe(0.9);
    expect(nameSimilarity('Олексій Ткаченко', 'Aleksey Tkachenko')).toBe(0.9);
  });

  it('lets extra words of the longer name (a patronymic) cost nothing', () => {
    expect(nameSimilarity('ШЕВЧЕНКО Олена Петрівна', 'Olena Shevchenko')).toBe(1);
  });

  it('tolerates a typo', () => {
    expect(nameSimilarity('Olena Shevchenko', 'Olena Shevcheko')).toBeGreaterThanOrEqual(NAME_SIMILARITY_THRESHOLD);
  });

  it('keeps clearly different names below the threshold', () => {
    expect(nameSimilarity('Olena Shevchenko', 'Olena Kovalenko')).toBeLessThan(NAME_SIMILARITY_THRESHOLD);
    expect(nameSimilarity('Olena Shevchenko', 'Oleh Shevchenko')).toBeLessThan(NAME_SIMILARITY_THRESHOLD);
    expect(nameSimilarity('Olena Shevchenko', 'Petro Shevchenko')).toBeLessThan(NAME_SIMILARITY_THRESHOLD);
    expect(nameSimilarity('Oleksandr Ivanov', 'Oleksandra Ivanova')).toBeLessThan(NAME_SIMILARITY_THRESHOLD);
  });

  it('is 0 when either name is missing or has no usable letters', () => {
    expect(nameSimilarity('Olena', null)).toBe(0);
    expect(nameSimilarity(undefined, 'Olena')).toBe(0);
    expect(nameSimilarity('--', 'Olena')).toBe(0);
  });
});
