import {
  nameKey,
  nameKeyTokens,
  normalizeCompany,
  normalizeEmail,
  normalizeName,
  normalizePhone,
  normalizePostcode,
  phoneticKey,
} from './normalize';

describe('dependencies', () => {
  it('load through CommonJS require, as jest on Node 20 needs', () => {
    expect(typeof require('libphonenumber-js/max').parsePhoneNumberFromString).toBe('function');
    expect(typeof require('validator/lib/isEmail').default).toBe('function');
  });
});

describe('normalizeEmail', () => {
  it('trims and lowercases', () => {
    expect(normalizeEmail('  Olena.Shevchenko@UKR.NET ')).toBe('olena.shevchenko@ukr.net');
  });

  it('drops a plus tag on providers that document plus addressing', () => {
    expect(normalizeEmail('olena+shop@outlook.com')).toBe('olena@outlook.com');
    expect(normalizeEmail('olena+shop@hotmail.com')).toBe('olena@hotmail.com');
    expect(normalizeEmail('olena+news@icloud.com')).toBe('olena@icloud.com');
    expect(normalizeEmail('olena+crm@fastmail.com')).toBe('olena@fastmail.com');
    expect(normalizeEmail('olena+crm@proton.me')).toBe('olena@proton.me');
    expect(normalizeEmail('olena+a+b@gmail.com')).toBe('olena@gmail.com');
  });

  it('keeps a plus tag anywhere else, where it may be another mailbox', () => {
    expect(normalizeEmail('olena+shop@ukr.net')).toBe('olena+shop@ukr.net');
    expect(normalizeEmail('olena+shop@touchpoint.example.com')).toBe('olena+shop@touchpoint.example.com');
  });

  it('removes dots in the local part for Gmail only, and maps googlemail.com to gmail.com', () => {
    expect(normalizeEmail('O.Lena.Shevchenko+shop@GoogleMail.com')).toBe('olenashevchenko@gmail.com');
    expect(normalizeEmail('olena.shevchenko@gmail.com')).toBe('olenashevchenko@gmail.com');
    expect(normalizeEmail('olena.shevchenko@outlook.com')).toBe('olena.shevchenko@outlook.com');
    expect(normalizeEmail('olena.shevchenko@i.ua')).toBe('olena.shevchenko@i.ua');
  });

  it('treats the Yandex domains as one mailbox with plus addressing', () => {
    expect(normalizeEmail('Olena+crm@ya.ru')).toBe('olena@yandex.ru');
    expect(normalizeEmail('olena@yandex.ua')).toBe('olena@yandex.ru');
  });

  it('does not fold Yahoo-style hyphen suffixes: a hyphen is an ordinary character', () => {
    expect(normalizeEmail('ivan-petrenko@yahoo.com')).toBe('ivan-petrenko@yahoo.com');
  });

  it('keeps a local part that is only a tag rather than emptying it', () => {
    expect(normalizeEmail('+tag@gmail.com')).toBe('+tag@gmail.com');
  });

  it('returns null for what is not an email address', () => {
    for (const notAnEmail of ['', '   ', 'olena', 'olena@', '@gmail.com', 'olena@localhost', 'o lena@gmail.com', 'a@@b.com', 'Olena <olena@gmail.com>', null, undefined]) {
      expect(normalizeEmail(notAnEmail)).toBeNull();
    }
  });
});

describe('normalizePhone', () => {
  it.each([
    ['+38 (044) 123-45-67', '+380441234567'],
    ['0441234567', '+380441234567'],
    ['044 123 45 67', '+380441234567'],
    ['380441234567', '+380441234567'],
    ['8 (044) 123-45-67', '+380441234567'],
    ['+380 50 123 4567', '+380501234567'],
    ['050-123-45-67', '+380501234567'],
    ['(050)1234567', '+380501234567'],
    ['+38 050 123 45 67 ext. 12', '+380501234567'],
  ])('Ukrainian %s → %s', (input, e164) => {
    expect(normalizePhone(input)).toBe(e164);
  });

  it('reads international numbers by their country code', () => {
    expect(normalizePhone('+1 202 456 1111')).toBe('+12024561111');
    expect(normalizePhone('+44 20 7946 0958')).toBe('+442079460958');
    expect(normalizePhone('+48 22 123 45 67')).toBe('+48221234567');
  });

  it('reads numbers without a country code in the given region', () => {
    expect(normalizePhone('020 7946 0958', 'GB')).toBe('+442079460958');
    expect(normalizePhone('(202) 456-1111', 'US')).toBe('+12024561111');
  });

  it('applies the Ukrainian 8-prefix rule only to Ukrainian numbers', () => {
    expect(normalizePhone('8 (044) 123-45-67', 'GB')).toBeNull();
  });

  it('returns null for invalid numbers', () => {
    for (const invalid of ['', '12345', '+380 44 123', '+380 12 345 6789', 'call me', '0000000000', null, undefined]) {
      expect(normalizePhone(invalid)).toBeNull();
    }
  });
});

describe('normalizeName', () => {
  it('lowercases, strips diacritics and punctuation, collapses spaces', () => {
    expect(normalizeName('  Zoë   O’Brien-Smith ')).toBe('zoe obrien smith');
    expect(normalizeName('SHEVCHENKO, Olena')).toBe('shevchenko olena');
  });

  it('transliterates Cyrillic to the passport spelling', () => {
    expect(normalizeName('Олена Шевченко')).toBe('olena shevchenko');
    expect(normalizeName('ШЕВЧЕНКО Олена Петрівна')).toBe('shevchenko olena petrivna');
    expect(normalizeName('Юлія')).toBe('yuliia');
    expect(normalizeName('Сергій')).toBe('serhii');
    expect(normalizeName('Андрій')).toBe('andrii');
    expect(normalizeName('Олексій')).toBe('oleksii');
  });

  it('returns null when nothing usable is left', () => {
    expect(normalizeName('')).toBeNull();
    expect(normalizeName(' -- ')).toBeNull();
    expect(normalizeName(null)).toBeNull();
  });
});

describe('phoneticKey and nameKey', () => {
  const sameKey: Array<[string, string[]]> = [
    ['Олена', ['Olena']],
    ['Шевченко', ['Shevchenko', 'Schewtschenko', 'Szewczenko']],
    ['Сергій', ['Serhii', 'Sergiy', 'Sergii', 'Serhiy', 'Sergey', 'Сергей']],
    ['Юлія', ['Yuliia', 'Yulia', 'Julia', 'Yuliya', 'Iuliia', 'Юлия']],
    ['Андрій', ['Andrii', 'Andriy', 'Andrey', 'Andrij', 'Андрей']],
    ['Олексій', ['Oleksii', 'Oleksiy', 'Aleksey', 'Alexey', 'Alexei', 'Алексей']],
    ['Олександр', ['Oleksandr', 'Alexander', 'Aleksandr']],
    ['Євген', ['Yevhen', 'Evgeny', 'Yevgeniy', 'Jewgeni']],
    ['Ігор', ['Ihor', 'Igor']],
    ['Дмитро', ['Dmytro', 'Dmitriy', 'Dmitry']],
    ['Володимир', ['Volodymyr', 'Vladimir']],
    ['Михайло', ['Mykhailo', 'Mikhail']],
    ['Наталія', ['Nataliia', 'Natalia', 'Natalya', 'Наталья']],
    ['Вікторія', ['Viktoriia', 'Victoria', 'Viktoria']],
    ['Ганна', ['Hanna', 'Ganna']],
    ['Ярослав', ['Yaroslav', 'Jaroslaw', 'Iaroslav']],
    ['Щербак', ['Shcherbak', 'Szczerbak']],
    ['Ткаченко', ['Tkachenko', 'Tkatschenko']],
    ['Мельник', ['Melnyk', 'Melnik']],
  ];

  it.each(sameKey)('%s has the key of %p', (cyrillic, variants) => {
    const key = nameKey(cyrillic);
    expect(key).not.toBeNull();
    for (const variant of variants) expect(nameKey(variant)).toBe(key);
  });

  it('gives the documented keys', () => {
    expect(phoneticKey('serhii')).toBe('srh');
    expect(phoneticKey('yuliia')).toBe('yula');
    expect(phoneticKey('andrii')).toBe('andr');
    expect(phoneticKey('oleksii')).toBe('alks');
    expect(phoneticKey('shevchenko')).toBe('xvcnk');
    expect(phoneticKey('olena')).toBe('alna');
  });

  it.each([
    ['Shevchenko', 'Kovalenko'],
    ['Olena', 'Oleh'],
    ['Oleh', 'Olha'],
    ['Oleksandr', 'Oleksandra'],
    ['Ivanov', 'Ivanova'],
    ['Iryna', 'Yaryna'],
    ['Yuliia', 'Uliana'],
    ['Oleksii', 'Oleksandr'],
    ['Shcherbak', 'Sherbak'],
    ['Andrii', 'Anna'],
  ])('keeps %s and %s apart', (a, b) => {
    expect(nameKey(a)).not.toBe(nameKey(b));
  });

  it('accepts the documented collision Olena/Alina (a blocking key, scored on spelling afterwards)', () => {
    expect(nameKey('Olena')).toBe(nameKey('Alina'));
  });

  it('is order-insensitive and ignores initials', () => {
    expect(nameKey('Олена Шевченко')).toBe('alna xvcnk');
    expect(nameKey('Shevchenko Olena')).toBe('alna xvcnk');
    expect(nameKey('Shevchenko O.')).toBe('xvcnk');
    expect(nameKeyTokens('Shevchenko Olena Petrivna')).toEqual(['xvcnk', 'alna', 'ptrvna']);
  });

  it('returns null when no token of two letters or more is left', () => {
    expect(nameKey('O. P.')).toBeNull();
    expect(nameKey('')).toBeNull();
    expect(nameKey(undefined)).toBeNull();
  });
});

describe('normalizePostcode', () => {
  it('keeps letters and digits, uppercased, without spaces or hyphens', () => {
    expect(normalizePostcode(' 01001 ')).toBe('01001');
    expect(normalizePostcode('01 001')).toBe('01001');
    expect(normalizePostcode('sw1a 1aa')).toBe('SW1A1AA');
    expect(normalizePostcode('00-950')).toBe('00950');
    expect(normalizePostcode('０１００１')).toBe('01001');
  });

  it('restores the leading zero a spreadsheet dropped from a Kyiv code', () => {
    expect(normalizePostcode('1001')).toBe('01001');
  });

  it('returns null for what cannot be a postcode', () => {
    for (const invalid of ['', '  ', '12', 'Kyiv, 01001', '01001!', null, undefined]) {
      expect(normalizePostcode(invalid)).toBeNull();
    }
  });
});

describe('normalizeCompany', () => {
  it.each([
    ['ТОВ «Ромашка»', 'romashka'],
    ['ТзОВ "Ромашка"', 'romashka'],
    ['Ромашка, ТОВ', 'romashka'],
    ['ТОВАРИСТВО З ОБМЕЖЕНОЮ ВІДПОВІДАЛЬНІСТЮ "РОМАШКА"', 'romashka'],
    ['ПП „Ромашка“', 'romashka'],
    ['ООО "Ромашка"', 'romashka'],
    ['ПрАТ «Київстар»', 'kyivstar'],
    ['Romashka LLC', 'romashka'],
    ['L.L.C. "Romashka"', 'romashka'],
    ['TOV Romashka', 'romashka'],
    ['Romashka sp. z o.o.', 'romashka'],
    ['Acme GmbH', 'acme'],
    ['Acme, Inc.', 'acme'],
    ['Nova Poshta Ltd.', 'nova poshta'],
    ['ФОП Шевченко Олена Петрівна', 'shevchenko olena petrivna'],
    ['Фізична особа-підприємець Шевченко О.П.', 'shevchenko op'],
  ])('%s → %s', (input, normalized) => {
    expect(normalizeCompany(input)).toBe(normalized);
  });

  it('removes legal forms only at the start or the end, so ordinary words survive', () => {
    expect(normalizeCompany('Cats at Home Ltd')).toBe('cats at home');
    expect(normalizeCompany('Pat Smith Plumbing')).toBe('pat smith plumbing');
  });

  it('returns null when nothing but a legal form is left', () => {
    expect(normalizeCompany('ТОВ')).toBeNull();
    expect(normalizeCompany(' "" ')).toBeNull();
    expect(normalizeCompany(null)).toBeNull();
  });
});
