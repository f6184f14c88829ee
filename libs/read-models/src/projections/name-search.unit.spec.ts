import { ERASED } from '@touchpoint/domain';
import { nameSearchKey, prefixRange } from './name-search';

describe('nameSearchKey', () => {
  it.each([
    ['Olena Kovalenko', 'olena kovalenko'],
    ['  Zoë   Kravéts ', 'zoe kravets'],
    ['ŁUKASZ Wójcik', 'łukasz wojcik'], // Ł has no decomposition: it stays a letter of its own
    ['Ｆｕｌｌｗｉｄｔｈ Co.', 'fullwidth co.'],
    ['Їжак', 'іжак'], // Cyrillic Ї is І with a diaeresis
    ['FInance', 'finance'],
    [ERASED, ''],
  ])('%j searches as %j', (name, key) => expect(nameSearchKey(name)).toBe(key));

  it('gives a typed prefix the same form as the start of the stored name', () => {
    expect(nameSearchKey('Zoë Kravéts').startsWith(nameSearchKey('ZOE  krav'))).toBe(true);
  });
});

describe('prefixRange', () => {
  it('runs from the prefix up to the prefix with its last code point raised', () => {
    expect(prefixRange('ab')).toEqual({ from: 'ab', below: 'ac' });
    expect(prefixRange('a😀')).toEqual({ from: 'a😀', below: 'a😁' });
    expect(prefixRange('a\ud7ff')).toEqual({ from: 'a\ud7ff', below: 'a\ue000' });
  });

  it('holds exactly the strings that start with the prefix', () => {
    const words = ['ab', 'abz', 'ab\uffff', 'ab😀', 'ac', 'aa', 'a', 'b'];
    const { from, below } = prefixRange('ab');
    expect(words.filter((w) => w >= from && w < below)).toEqual(['ab', 'abz', 'ab\uffff', 'ab😀']);
  });

  it('refuses an empty prefix', () => expect(() => prefixRange('')).toThrow());
});
