import fc from 'fast-check';
import { matchBand, matchingKeys, scorePair, type MatchProfile } from './match';

describe('matchingKeys', () => {
  it('lists normalised email, E.164 phone and name keys, sorted by kind then value', () => {
    expect(
      matchingKeys({
        name: 'Олена Шевченко',
        email: ' Olena.Shevchenko+shop@GMAIL.com',
        phone: '050 123 45 67',
        postalCode: '01 001',
        company: 'ТОВ «Ромашка»',
      }),
    ).toEqual([
      { kind: 'email', value: 'olenashevchenko@gmail.com' },
      { kind: 'name_company', value: 'alna xvcnk|romashka' },
      { kind: 'name_postcode', value: 'alna xvcnk|01001' },
      { kind: 'phone', value: '+380501234567' },
    ]);
  });

  it('gives the Cyrillic and the Latin spelling of one person the same name keys', () => {
    const cyrillic = matchingKeys({ name: 'Сергій Коваленко', postalCode: '79000', company: 'Romashka LLC' });
    const latin = matchingKeys({ name: 'Kovalenko Sergiy', postalCode: '79000', company: 'ТзОВ "Ромашка"' });
    expect(cyrillic).toEqual(latin);
    expect(cyrillic).toEqual([
      { kind: 'name_company', value: 'kvlnk srh|romashka' },
      { kind: 'name_postcode', value: 'kvlnk srh|79000' },
    ]);
  });

  it('keys every pair of words, so a patronymic on one record only still meets the other', () => {
    const withPatronymic = matchingKeys({ name: 'ШЕВЧЕНКО Олена Петрівна', postalCode: '01001' });
    expect(withPatronymic).toEqual([
      { kind: 'name_postcode', value: 'alna ptrvna|01001' },
      { kind: 'name_postcode', value: 'alna xvcnk|01001' },
      { kind: 'name_postcode', value: 'ptrvna xvcnk|01001' },
    ]);
    const shared = matchingKeys({ name: 'Olena Shevchenko', postalCode: '01001' })[0];
    expect(withPatronymic).toContainEqual(shared);
  });

  it('uses at most the first four words of a name', () => {
    const keys = matchingKeys({ name: 'Anna Maria Olena Shevchenko Kovalenko Bondar', postalCode: '01001' });
    expect(keys).toHaveLength(6);
    expect(keys.some((key) => key.value.includes('kvlnk') || key.value.includes('bndr'))).toBe(false);
  });

  it('has no duplicates', () => {
    expect(matchingKeys({ name: 'Olena Shevchenko Olena', postalCode: '01001' })).toEqual([
      { kind: 'name_postcode', value: 'alna alna|01001' },
      { kind: 'name_postcode', value: 'alna xvcnk|01001' },
    ]);
  });

  it('gives no name key for a one-word name, nor without a postcode or company', () => {
    expect(matchingKeys({ name: 'Olena', postalCode: '01001', company: 'Romashka' })).toEqual([]);
    expect(matchingKeys({ name: 'Olena Shevchenko' })).toEqual([]);
  });

  it('leaves out what does not normalise', () => {
    expect(matchingKeys({ name: '', email: 'not an email', phone: '12345', postalCode: '?', company: 'ТОВ' })).toEqual([]);
    expect(matchingKeys({})).toEqual([]);
  });

  it('keys a company by its name without legal form and its postcode', () => {
    const keys = matchingKeys({ kind: 'company', name: 'ТОВ «Ромашка»', postalCode: '01001', email: 'info@romashka.ua' });
    expect(keys).toEqual([
      { kind: 'email', value: 'info@romashka.ua' },
      { kind: 'name_postcode', value: 'romashka|01001' },
    ]);
    expect(matchingKeys({ kind: 'company', name: 'Romashka LLC', postalCode: '01001' })).toContainEqual(keys[1]);
  });

  it('is deterministic', () => {
    const profile: MatchProfile = { name: 'Юлія Бондар', email: 'yulia@ukr.net', phone: '+380671234567', postalCode: '65000', company: 'Acme GmbH' };
    expect(matchingKeys(profile)).toEqual(matchingKeys({ ...profile }));
  });
});

describe('scorePair', () => {
  it('finds the same person registered twice, by the web and by the call centre', () => {
    const web: MatchProfile = { name: 'Olena Shevchenko', email: 'Olena.Shevchenko+shop@gmail.com', postalCode: '01001' };
    const callCentre: MatchProfile = { name: 'ШЕВЧЕНКО Олена', email: 'olena.shevchenko@GMAIL.com', phone: '+380 50 123 4567' };
    const result = scorePair(web, callCentre);
    expect(result).toEqual({ score: 0.95, reasons: ['same_email', 'similar_name'] });
    expect(matchBand(result.score)).toBe('likely');
  });

  it('sends a Cyrillic and a Latin name with the same postcode to review', () => {
    const result = scorePair({ name: 'Олена Шевченко', postalCode: '01001' }, { name: 'Olena Shevchenko', postalCode: '01 001' });
    expect(result).toEqual({ score: 0.55, reasons: ['similar_name', 'same_postcode'] });
    expect(matchBand(result.score)).toBe('review');
  });

  it('scales the name by its similarity: a transliteration variant scores a little lower', () => {
    const result = scorePair({ name: 'Сергій Коваленко', postalCode: '79000' }, { name: 'Sergiy Kovalenko', postalCode: '79000' });
    expect(result).toEqual({ score: 0.515, reasons: ['similar_name', 'same_postcode'] });
  });

  it('scores a family sharing an email below a true duplicate, with same_email as the only reason', () => {
    const mother: MatchProfile = { name: 'Olena Shevchenko', email: 'shevchenko.family@ukr.net', postalCode: '01001', phone: '050 123 45 67' };
    const son: MatchProfile = { name: 'Petro Shevchenko', email: 'Shevchenko.Family@ukr.net', postalCode: '01001', phone: '067 765 43 21' };
    const family = scorePair(mother, son);
    expect(family).toEqual({ score: 0.6, reasons: ['same_email'] });
    expect(matchBand(family.score)).toBe('review');

    const duplicate = scorePair(mother, { name: 'Олена Шевченко', email: 'shevchenko.family@ukr.net' });
    expect(family.score).toBeLessThan(duplicate.score);
  });

  it('keeps a household that shares email and phone in review, below "very likely"', () => {
    const husband: MatchProfile = { name: 'Oleh Shevchenko', email: 'shevchenko@ukr.net', phone: '044 123 45 67' };
    const wife: MatchProfile = { name: 'Olena Shevchenko', email: 'shevchenko@ukr.net', phone: '+380441234567' };
    expect(scorePair(husband, wife)).toEqual({ score: 0.75, reasons: ['same_email', 'same_phone'] });
  });

  it('does not count a masculine and feminine form as the same name', () => {
    const result = scorePair({ name: 'Oleksandr Ivanov', postalCode: '61000' }, { name: 'Oleksandra Ivanova', postalCode: '61000' });
    expect(result).toEqual({ score: 0, reasons: [] });
  });

  it('scores unrelated people 0', () => {
    const result = scorePair(
      { name: 'Olena Shevchenko', email: 'olena@gmail.com', phone: '050 123 45 67', postalCode: '01001', company: 'Romashka' },
      { name: 'Andrii Kovalenko', email: 'andrii@ukr.net', phone: '067 765 43 21', postalCode: '79000', company: 'Acme' },
    );
    expect(result).toEqual({ score: 0, reasons: [] });
    expect(matchBand(result.score)).toBe('unlikely');
  });

  it('counts a shared postcode or company only together with a similar name', () => {
    const a: MatchProfile = { name: 'Olena Shevchenko', postalCode: '01001', company: 'ТОВ «Ромашка»' };
    expect(scorePair(a, { name: 'Andrii Kovalenko', postalCode: '01001', company: 'Romashka LLC' })).toEqual({ score: 0, reasons: [] });
    expect(scorePair(a, { name: 'Olena Shevchenko', postalCode: '01001', company: 'Romashka LLC' })).toEqual({
      score: 0.75,
      reasons: ['similar_name', 'same_postcode', 'same_company'],
    });
  });

  it('caps the score at 1', () => {
    const profile: MatchProfile = { name: 'Olena Shevchenko', email: 'olena@gmail.com', phone: '0501234567', postalCode: '01001', company: 'Romashka' };
    expect(scorePair(profile, { ...profile })).toEqual({
      score: 1,
      reasons: ['same_email', 'same_phone', 'similar_name', 'same_postcode', 'same_company'],
    });
  });

  it('compares companies by name without their legal form', () => {
    const result = scorePair({ kind: 'company', name: 'ТОВ «Ромашка»', postalCode: '01001' }, { kind: 'company', name: 'Romashka LLC', postalCode: '01001' });
    expect(result).toEqual({ score: 0.55, reasons: ['similar_name', 'same_postcode'] });
  });

  it('is symmetric on the scenarios above', () => {
    const a: MatchProfile = { name: 'Сергій Коваленко', email: 'S.Kovalenko+crm@gmail.com', postalCode: '79000' };
    const b: MatchProfile = { name: 'Kovalenko Sergiy', email: 'skovalenko@googlemail.com', phone: '0671234567' };
    expect(scorePair(a, b)).toEqual(scorePair(b, a));
    expect(scorePair(a, b)).toEqual({ score: 0.915, reasons: ['same_email', 'similar_name'] });
  });

  it('never returns NaN and stays in [0, 1], whatever the input', () => {
    expect(scorePair({}, {})).toEqual({ score: 0, reasons: [] });
    const text = fc.option(fc.oneof(fc.string(), fc.constantFrom('Olena Shevchenko', 'Олена Шевченко', 'olena@gmail.com', '0501234567', '01001', 'ТОВ')), { nil: null });
    const profile = fc.record(
      { name: fc.oneof(fc.string(), fc.constantFrom('Olena Shevchenko', 'Олена Шевченко', 'O.', '')), email: text, phone: text, company: text, postalCode: text, kind: fc.constantFrom<'person' | 'company'>('person', 'company') },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(profile, profile, (a, b) => {
        const { score } = scorePair(a, b);
        return Number.isFinite(score) && score >= 0 && score <= 1;
      }),
      { numRuns: 500, seed: 22 },
    );
  });
});

describe('matchBand', () => {
  it('splits scores at 0.8 and 0.5', () => {
    expect(matchBand(1)).toBe('likely');
    expect(matchBand(0.8)).toBe('likely');
    expect(matchBand(0.79)).toBe('review');
    expect(matchBand(0.5)).toBe('review');
    expect(matchBand(0.49)).toBe('unlikely');
    expect(matchBand(0)).toBe('unlikely');
  });
});
