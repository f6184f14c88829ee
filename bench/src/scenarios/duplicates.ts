import Database from 'better-sqlite3';
import { existsSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { runChild } from '../child';
import { SEED, type BenchContext, type Scenario } from '../context';
import { Rng } from '../prng';
import { watchPeakRss } from '../rss';
import { LatencyRecorder, once, peakRssMiB, resetPeakRss, round, type LatencySummary, type MeasuredRow } from '../stats';
import { openAppEventStore } from '../stores';
import { appRunner, runCustomerCommand } from './commands';
import { startServer, type Server } from './http';

/**
 * Duplicates and merges (docs/customers.md, issue #22) on the real API in a child process (embedded default, projector
 * and blind-index indexer in process): customers of whom 2 % are planted duplicates of another, registered with
 * `POST /v1/customers` over several keep-alive connections; the time until `GET /v1/duplicates?minPosition=<last>`
 * answers (the indexer's rate); the per-customer lookup; the full scan at minScore 0.8 walked to the end with its
 * precision and recall against the planted pairs; merge and undo of planted pairs at the HTTP edge, each followed by
 * the read-your-writes GET of the survivor. Next to a bare Fastify route in its own process (the HTTP floor).
 *
 * Size: BENCH_DUPLICATES_CUSTOMERS (registrations, duplicates included); quick 2,500; full FULL_CUSTOMERS.
 */

const FULL_CUSTOMERS = 100_000;
const QUICK_CUSTOMERS = 2_000;
/** share of the registrations that are a planted duplicate of an earlier customer */
const DUPLICATE_SHARE = 0.02;
/** share that are another member of an earlier customer's household (same surname, address and email or phone): not duplicates */
const HOUSEHOLD_SHARE = 0.005;
const CONNECTIONS = 16;
/** above 100,000 customers, only the last HTTP_TAIL are registered over HTTP, the rest in bulk before the API starts */
const HTTP_TAIL = 10_000;
const BULK_IN_FLIGHT = 256;
const LIKELY = 0.8;
const REVIEW = 0.5;
const PAGE = 200;

// ---------------------------------------------------------------------------------------------------------------
// Names: Ukrainian, written in Cyrillic here; the Latin side is derived with the national transliteration table
// (Cabinet of Ministers resolution No. 55 of 2010, as printed in passports), or with the older spelling still common
// in the wild (Sergiy, Yuliya, Grygoriy). Written independently of libs/identity, so the product is not tested
// against its own table.

const MALE = `Олександр Андрій Сергій Володимир Дмитро Іван Михайло Микола Олег Юрій Василь Віктор Петро Богдан Тарас Ярослав
  Роман Максим Артем Денис Віталій Ігор Павло Степан Григорій Анатолій Валерій Євген Костянтин Леонід Назар Остап Орест
  Святослав Станіслав Тимофій Федір Юліан Вадим Геннадій Борис Ростислав Руслан Антон Олексій Кирило Данило Матвій Захар
  Марко Владислав В'ячеслав Еміль Зиновій Любомир Мирослав Семен Тимур Устим Филип Яків Аркадій Гліб Всеволод Лев Нестор
  Пилип Северин Ілля Юстин Арсен`.split(/\s+/);
const FEMALE = `Олена Ольга Наталія Тетяна Ірина Світлана Юлія Оксана Марія Анна Катерина Людмила Галина Надія Вікторія Ганна
  Лариса Валентина Алла Інна Софія Христина Дарина Анастасія Яна Зоряна Соломія Уляна Мар'яна Богдана Леся Мирослава
  Ярослава Віра Любов Лілія Роксолана Василина Олеся Діана Альона Євгенія Карина Поліна Вероніка Єва Злата Ангеліна
  Аліна Стефанія Таїсія Антоніна Зінаїда Лідія Маргарита Раїса Ніна Емілія Жанна Кіра Мілана Олександра Валерія Дарія
  Ксенія Меланія Орися Устина Зоя`.split(/\s+/);
/** masculine forms; feminine ones are derived (-ський → -ська, -ий → -а, -ов/-ев/-єв/-ін → +а) */
const SURNAMES = [
  ...new Set(
    `Шевченко Коваленко Бондаренко Ткаченко Кравченко Бойко Коваль Олійник Шевчук Поліщук Лисенко Бондар Мельник Мороз
  Марченко Руденко Савченко Петренко Клименко Ткачук Кравчук Павленко Карпенко Кузьменко Левченко Гончаренко Мельниченко
  Романенко Харченко Ковальчук Мартинюк Литвиненко Пономаренко Гаврилюк Білоус Тимошенко Василенко Остапенко Мазур Кушнір
  Кучер Пилипенко Приходько Сидоренко Ігнатенко Костенко Дмитренко Яковенко Панченко Власенко Кириленко Середа Колесник
  Зінченко Юрченко Гуменюк Антоненко Онищенко Тарасенко Вакуленко Нестеренко Симоненко Головко Гребенюк Захарченко
  Лук'яненко Сорока Лозинський Ковальський Грищенко Білик Гордієнко Дорошенко Довженко Фесенко Козак Кравець Чорний
  Білий Сивий Рудий Кривоніс Остапчук Савчук Вовк Лисак Панасюк Захарчук Гнатюк Стасюк Демчук Яремчук Максимчук Степанюк
  Бабич Іваничук Федорчук Андрійчук Климчук Дячук Костюк Семенюк Кравчишин Дяченко Левицький Грушевський Вишневський
  Ковалевський Заболотний Кравецький Яворський Стецюк Возняк Гладун Гриценко Бевз Бабенко Бараненко Бережний Бондарчук
  Величко Верес Волошин Гайдай Галушко Голуб Горбань Гусак Даниленко Дідух Жук Забіла Зубко Іщенко Кандиба Коломієць
  Корнієнко Кот Котляр Лемешко Литвин Лобода Луценко Лях Малик Мартиненко Матвієнко Мирошниченко Михайленко Мірошник
  Науменко Ничипорук Носенко Овчаренко Пасічник Пащенко Педенко Перебийніс Пугач Радченко Ревуцький Рибак Рябоконь Сакун
  Свириденко Сердюк Скрипник Слюсар Собко Стеценко Сушко Тищенко Тополя Трохименко Федоренко Хоменко Цимбал Чалий
  Чорновіл Шаповал Шевель Шинкаренко Шпак Шульга Щербак Юхименко Ярмоленко Ященко Іванов Петров Попов Соколов Волков
  Федоров Морозов Павлов Семенов Лебедєв Зайцев Фомін Згурський Гоголь Франко Стус Загребельний Хвильовий`.split(/\s+/),
  ),
];
const COMPANY_WORDS = ['Trade', 'Group', 'Agro', 'Logistic', 'Service', 'Invest', 'Tech', 'Bud', 'Market', 'Pharm'];
const COMPANY_FORMS = ['LLC', 'ТОВ', 'ФОП', 'Ltd', 'PE'];
const OWNERS = ['sales.anna', 'sales.bohdan', 'sales.chen', 'sales.dara', 'sales.emeka', 'sales.farah'];
const OPERATORS = ['50', '63', '66', '67', '68', '73', '93', '95', '96', '97', '98', '99'];
/** [domain, share]; plus addressing documented for gmail, outlook, hotmail, icloud (docs/customers.md) */
const DOMAINS: Array<[string, number]> = [['gmail.com', 0.45], ['ukr.net', 0.2], ['i.ua', 0.07], ['outlook.com', 0.07], ['meta.ua', 0.05], ['icloud.com', 0.05], ['yahoo.com', 0.05], ['hotmail.com', 0.06]];
const PLUS_DOMAINS = new Set(['gmail.com', 'outlook.com', 'icloud.com', 'hotmail.com']);
/** [Cyrillic, Latin] city, its postcodes [from, to], the share of customers living there */
const CITIES: Array<{ city: [string, string]; codes: [number, number]; weight: number }> = [
  { city: ['Київ', 'Kyiv'], codes: [1001, 4655], weight: 0.3 },
  { city: ['Харків', 'Kharkiv'], codes: [61001, 61204], weight: 0.1 },
  { city: ['Одеса', 'Odesa'], codes: [65001, 65125], weight: 0.08 },
  { city: ['Дніпро', 'Dnipro'], codes: [49000, 49130], weight: 0.08 },
  { city: ['Львів', 'Lviv'], codes: [79000, 79070], weight: 0.08 },
  { city: ['Запоріжжя', 'Zaporizhzhia'], codes: [69000, 69124], weight: 0.05 },
  { city: ['Вінниця', 'Vinnytsia'], codes: [21000, 21050], weight: 0.04 },
  { city: ['Полтава', 'Poltava'], codes: [36000, 36040], weight: 0.03 },
  { city: ['Чернігів', 'Chernihiv'], codes: [14000, 14039], weight: 0.03 },
  { city: ['Івано-Франківськ', 'Ivano-Frankivsk'], codes: [76000, 76025], weight: 0.03 },
  // the rest of the country: towns and villages over the whole postcode range
  { city: ['Біла Церква', 'Bila Tserkva'], codes: [7000, 99999], weight: 0.18 },
];
const STREETS = ['Шевченка', 'Франка', 'Лесі Українки', 'Грушевського', 'Хмельницького', 'Сагайдачного', 'Соборна', 'Незалежності', 'Миру', 'Садова'];
const TAGS = ['shop', 'web', 'promo', 'news', 'orders', 'app'];

type Spelling = string | readonly [atWordStart: string, elsewhere: string];
const PASSPORT: Readonly<Record<string, Spelling>> = {
  а: 'a', б: 'b', в: 'v', г: 'h', ґ: 'g', д: 'd', е: 'e', є: ['ye', 'ie'], ж: 'zh', з: 'z', и: 'y', і: 'i', ї: ['yi', 'i'],
  й: ['y', 'i'], к: 'k', л: 'l', м: 'm', н: 'n', о: 'o', п: 'p', р: 'r', с: 's', т: 't', у: 'u', ф: 'f', х: 'kh', ц: 'ts',
  ч: 'ch', ш: 'sh', щ: 'shch', ь: '', ю: ['yu', 'iu'], я: ['ya', 'ia'], "'": '',
};
/** the pre-2010 habit: г as g, й/є/ї/ю/я spelt the same everywhere (Сергій → Sergiy, Юлія → Yuliya) */
const OLDER: Readonly<Record<string, Spelling>> = { ...PASSPORT, г: 'g', є: 'ye', ї: 'yi', й: 'y', ю: 'yu', я: 'ya' };

function latin(cyrillic: string, table: Readonly<Record<string, Spelling>>): string {
  return cyrillic
    .split(/([\s-]+)/)
    .map((word) => {
      const lower = [...word.toLowerCase()];
      let out = '';
      for (let i = 0; i < lower.length; i++) {
        const ch = lower[i];
        const s = table[ch];
        if (s === undefined) out += ch;
        else if (typeof s !== 'string') out += i === 0 ? s[0] : s[1];
        else out += ch === 'г' && lower[i - 1] === 'з' && table === PASSPORT ? 'gh' : s;
      }
      return out.charAt(0).toUpperCase() + out.slice(1);
    })
    .join('');
}

function feminine(surname: string): string {
  if (/ий$/.test(surname)) return surname.replace(/ий$/, 'а');
  if (/(ов|ев|єв|ін)$/.test(surname)) return `${surname}а`;
  return surname;
}

// ---------------------------------------------------------------------------------------------------------------
// The dataset

export type Variant = 'email_case' | 'email_plus' | 'gmail_dots' | 'cyrillic_postcode' | 'phone_format';
export const VARIANTS: readonly Variant[] = ['email_case', 'email_plus', 'gmail_dots', 'cyrillic_postcode', 'phone_format'];

interface Registration {
  customerId: string;
  kind: 'person' | 'company';
  name: string;
  email?: string;
  phone?: string;
  address?: { line1: string; city: string; postalCode: string; country: string };
  company?: string;
  owner: string;
}

/** What the generator knows of a base customer, to plant a variant of it. */
interface Person {
  index: number;
  first: string;
  /** the surname's masculine form (a household member of the other sex takes the other form) */
  surname: string;
  last: string;
  domain?: string;
  local?: string;
  phone?: string;
  city?: (typeof CITIES)[number];
  postcode?: string;
  street?: string;
}

export interface DuplicatesDataset {
  /** in registration order */
  registrations: Registration[];
  /** the planted pairs: [base, duplicate] customer ids */
  planted: Array<{ ids: [string, string]; variant: Variant }>;
  /** pairs of one household (shared email or phone, different people): never a true duplicate */
  households: Array<[string, string]>;
}

const pairKey = (a: string, b: string) => (a < b ? `${a} ${b}` : `${b} ${a}`);

function pickWeighted<T>(rng: Rng, items: ReadonlyArray<readonly [T, number]>): T {
  let r = rng.next();
  for (const [item, w] of items) if ((r -= w) < 0) return item;
  return items[items.length - 1][0];
}

/** Common names are commoner: index drawn with density falling along the list (about 8:1 first to last). */
const skewed = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng.next() ** 1.8 * items.length)];

/**
 * `total` registrations in order: persons (90 %) and companies; among them round(total × 2 %) planted duplicates of
 * distinct earlier persons, one variant each in turn (email case, plus tag, Gmail dots, the name in Cyrillic with the
 * same postcode and no email, the phone in a national format), registered after their original; and round(total ×
 * 0.5 %) household members. Emails and phones are unique apart from those. Deterministic for a given seed.
 */
export function duplicatesDataset(seed: number, total: number): DuplicatesDataset {
  const rng = new Rng(seed);
  const ids = new Rng(seed ^ 0x5eed);
  const duplicates = Math.round(total * DUPLICATE_SHARE);
  const households = Math.round(total * HOUSEHOLD_SHARE);
  const bases = total - duplicates;
  const people: Person[] = [];
  const registrations: Array<Registration & { key: number }> = [];
  const householdPairs: Array<[string, string]> = [];

  const phoneOf = (n: number) => `${rng.pick(OPERATORS)}${String(1_000_000 + ((n * 7919 + 12_345) % 9_000_000)).padStart(7, '0')}`;
  const address = (p: Person) => p.city && p.postcode && p.street ? { line1: `${latin(p.street, PASSPORT)} St. ${rng.int(1, 150)}`, city: p.city.city[1], postalCode: p.postcode, country: 'UA' } : undefined;

  for (let i = 0; i < bases; i++) {
    const customerId = ids.uuid();
    const owner = rng.pick(OWNERS);
    const withAddress = rng.chance(0.85);
    const city = pickWeighted(rng, CITIES.map((c) => [c, c.weight] as const));
    const postcode = String(rng.int(city.codes[0], city.codes[1])).padStart(5, '0');
    if (rng.chance(0.1)) {
      const name = `${latin(skewed(rng, SURNAMES), PASSPORT)} ${rng.pick(COMPANY_WORDS)} ${rng.pick(COMPANY_FORMS)}`;
      registrations.push({ key: i, customerId, kind: 'company', name, email: `office${i + 1}@${name.split(' ')[0].toLowerCase()}.com.ua`, ...(rng.chance(0.7) && { phone: `+380${phoneOf(i)}` }), ...(withAddress && { address: { line1: `${latin(rng.pick(STREETS), PASSPORT)} St. ${rng.int(1, 150)}`, city: city.city[1], postalCode: postcode, country: 'UA' } }), owner });
      continue;
    }
    // A household member of an earlier person (spouse, child): the surname, the address and the email or the phone;
    // another first name.
    const candidate = people.length > 100 && householdPairs.length < households && rng.chance(HOUSEHOLD_SHARE / 0.8) ? people[rng.int(0, people.length - 1)] : undefined;
    const host = candidate && (candidate.local !== undefined || candidate.phone !== undefined) ? candidate : undefined;
    const woman = rng.chance(0.5);
    const surname = host ? host.surname : skewed(rng, SURNAMES);
    let first = skewed(rng, woman ? FEMALE : MALE);
    if (host && first === host.first) first = woman ? FEMALE[(FEMALE.indexOf(first) + 1) % FEMALE.length] : MALE[(MALE.indexOf(first) + 1) % MALE.length];
    const p: Person = { index: registrations.length, first, surname, last: woman ? feminine(surname) : surname, street: rng.pick(STREETS) };
    const table = rng.chance(0.2) ? OLDER : PASSPORT;
    const name = `${latin(p.first, table)} ${latin(p.last, table)}`;
    if (host?.city) Object.assign(p, { city: host.city, postcode: host.postcode, street: host.street });
    else if (withAddress) Object.assign(p, { city, postcode });
    const f = latin(p.first, table).toLowerCase();
    const l = latin(p.last, table).toLowerCase();
    const shareEmail = host?.local !== undefined && (host.phone === undefined || rng.chance(0.5));
    // (a host without an email shares the phone)
    if (shareEmail) Object.assign(p, { local: host!.local, domain: host!.domain });
    else if (rng.chance(0.92)) {
      const local = rng.pick([`${f}.${l}`, `${f}${l}`, `${f[0]}.${l}`, `${l}.${f}`, `${l}_${f}`]);
      Object.assign(p, { local: `${local}${i + 1}`, domain: pickWeighted(rng, DOMAINS) });
    }
    if (host && !shareEmail) p.phone = host.phone;
    else if (rng.chance(0.6)) p.phone = `+380${phoneOf(i)}`;
    const reg: Registration = {
      customerId,
      kind: 'person',
      name,
      ...(p.local && { email: `${p.local}@${p.domain}` }),
      ...(p.phone && { phone: p.phone }),
      ...(p.postcode && { address: address(p) }),
      ...(rng.chance(0.15) && { company: `${latin(skewed(rng, SURNAMES), PASSPORT)} ${rng.pick(COMPANY_WORDS)}` }),
      owner,
    };
    registrations.push({ ...reg, key: i });
    if (host) householdPairs.push([registrations[host.index].customerId, customerId]);
    else people.push(p);
  }

  // The planted duplicates: a distinct original each, with what its variant needs.
  const used = new Set<number>();
  const eligible: Record<Variant, (p: Person) => boolean> = {
    email_case: (p) => p.local !== undefined,
    email_plus: (p) => p.domain !== undefined && PLUS_DOMAINS.has(p.domain),
    gmail_dots: (p) => p.domain === 'gmail.com',
    cyrillic_postcode: (p) => p.postcode !== undefined,
    phone_format: (p) => p.phone !== undefined,
  };
  const planted: DuplicatesDataset['planted'] = [];
  for (let d = 0; d < duplicates; d++) {
    const variant = VARIANTS[d % VARIANTS.length];
    let p: Person;
    do p = people[rng.int(0, people.length - 1)];
    while (used.has(p.index) || !eligible[variant](p));
    used.add(p.index);
    const base = registrations[p.index];
    const customerId = ids.uuid();
    const dup: Registration = { customerId, kind: 'person', name: base.name, owner: rng.pick(OWNERS) };
    switch (variant) {
      case 'email_case': {
        const cased = rng.chance(0.5) ? `${p.local}@${p.domain}`.toUpperCase() : `${p.local!.replace(/(^|[._])([a-z])/g, (_, s: string, c: string) => s + c.toUpperCase())}@${p.domain!.charAt(0).toUpperCase()}${p.domain!.slice(1)}`;
        dup.email = cased;
        break;
      }
      case 'email_plus':
        dup.email = `${p.local}+${rng.pick(TAGS)}@${p.domain}`;
        break;
      case 'gmail_dots': {
        // Dots dropped, or one added between two letters; sometimes the googlemail.com alias.
        const local = p.local!;
        const at = rng.int(1, local.search(/[^a-z]|$/) - 1);
        dup.email = `${local.includes('.') ? local.replace(/\./g, '') : `${local.slice(0, at)}.${local.slice(at)}`}@${rng.chance(0.2) ? 'googlemail.com' : 'gmail.com'}`;
        break;
      }
      case 'cyrillic_postcode':
        // The call centre: the name typed in Cyrillic, the address (same postcode), no email, no phone.
        dup.name = `${p.first} ${p.last}`;
        dup.address = { line1: `вул. ${p.street ?? rng.pick(STREETS)}, ${rng.int(1, 150)}`, city: p.city!.city[0], postalCode: p.postcode!, country: 'UA' };
        break;
      case 'phone_format': {
        const national = `0${p.phone!.slice(4)}`; // +380XXYYYYYYY → 0XXYYYYYYY
        const [op, rest] = [national.slice(0, 3), national.slice(3)];
        dup.phone = rng.pick([national, `${op} ${rest.slice(0, 3)} ${rest.slice(3, 5)} ${rest.slice(5)}`, `${op}-${rest.slice(0, 3)}-${rest.slice(3, 5)}-${rest.slice(5)}`, `+38 ${op} ${rest}`, `8 (${op}) ${rest.slice(0, 3)}-${rest.slice(3, 5)}-${rest.slice(5)}`, `38${national}`]);
        if (rng.chance(0.5)) dup.email = `${latin(p.first, PASSPORT).toLowerCase()}.work${d + 1}@company.ua`;
        break;
      }
      default: {
        const never: never = variant;
        throw new Error(`unknown variant ${String(never)}`);
      }
    }
    // Registered some time after the original: anywhere between it and the end.
    registrations.push({ ...dup, key: p.index + 0.5 + rng.next() * (bases - p.index - 0.5) });
    planted.push({ ids: [base.customerId, customerId], variant });
  }
  registrations.sort((a, b) => a.key - b.key);
  return { registrations: registrations.map(({ key: _key, ...r }) => r), planted, households: householdPairs };
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP

interface Answer<T> {
  status: number;
  ms: number;
  body: T;
}

/** One request over the shared keep-alive agent, timed from the call to the last byte of the answer. */
function call<T>(agent: Agent, server: Server, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Answer<T>> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const started = process.hrtime.bigint();
  return new Promise((done, fail) => {
    const req = request(`${server.url}${path}`, { method, agent, headers: { ...server.headers, ...(payload !== undefined && { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          /* not JSON: kept as text */
        }
        done({ status: res.statusCode ?? 0, ms, body: parsed as T });
      });
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end(payload);
  });
}

async function must<T>(answer: Promise<Answer<T>>, status: number, what: string): Promise<Answer<T>> {
  const a = await answer;
  if (a.status !== status) throw new Error(`${what}: ${a.status} ${JSON.stringify(a.body).slice(0, 600)}`);
  return a;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** CPU seconds (user + system) a process has used so far, from /proc; NaN off Linux. */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** Waits until the process has used under 5 % of a core for a second (background work after a load); ms it stayed busy. */
async function waitIdle(pid: number, limitMs = 300_000): Promise<number> {
  const started = Date.now();
  let before = cpuSeconds(pid);
  let quiet = 0;
  let lastBusy = started;
  while (!Number.isNaN(before) && Date.now() - started < limitMs) {
    await sleep(250);
    const now = cpuSeconds(pid);
    if (now - before < 0.0125) quiet++;
    else [quiet, lastBusy] = [0, Date.now()];
    before = now;
    if (quiet >= 4) break;
  }
  return lastBusy - started;
}

/** The indexer's and the projector's checkpoints, read from their SQLite files (read-only) every 250 ms. */
function followCheckpoints(dir: string) {
  const samples: Array<{ at: number; indexer: number; projector: number }> = [];
  let index: Database.Database | undefined;
  let read: Database.Database | undefined;
  const sample = () => {
    try {
      if (!index && existsSync(join(dir, 'blind-index.db'))) index = new Database(join(dir, 'blind-index.db'), { readonly: true, fileMustExist: true });
      if (!read && existsSync(join(dir, 'read.db'))) read = new Database(join(dir, 'read.db'), { readonly: true, fileMustExist: true });
      const indexer = (index?.prepare(`SELECT MAX(position) FROM blind_index_checkpoints WHERE name LIKE 'identity-indexer:%'`).pluck().get() as number | null) ?? 0;
      const projector = (read?.prepare('SELECT MIN(position) FROM rm_checkpoints').pluck().get() as number | null) ?? 0;
      samples.push({ at: Date.now(), indexer, projector });
    } catch {
      /* a table not created yet, or a busy moment: the next sample */
    }
  };
  sample();
  const timer = setInterval(sample, 250);
  return {
    samples,
    sample,
    /** the first sample at which `which` had reached `position` */
    reached: (which: 'indexer' | 'projector', position: number) => samples.find((s) => s[which] >= position),
    stop() {
      clearInterval(timer);
      index?.close();
      read?.close();
    },
  };
}

interface ScanPair {
  customerIds: [string, string];
  score: number;
  reasons: string[];
  foundBy: string;
}

/** Walks GET /v1/duplicates?minScore=… with cursors to the end. */
async function scan(agent: Agent, server: Server, minScore: number): Promise<{ pairs: ScanPair[]; ms: number; pages: LatencyRecorder }> {
  const pages = new LatencyRecorder();
  const pairs: ScanPair[] = [];
  const started = process.hrtime.bigint();
  let cursor: string | null | undefined;
  do {
    const path = `/v1/duplicates?minScore=${minScore}&limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = await must(call<{ items: ScanPair[]; nextCursor: string | null }>(agent, server, 'GET', path), 200, `GET ${path}`);
    pages.recordMs(page.ms);
    pairs.push(...page.body.items);
    cursor = page.body.nextCursor;
  } while (cursor);
  return { pairs, ms: Number(process.hrtime.bigint() - started) / 1e6, pages };
}

/** Precision and recall of a scan against the planted pairs, overall and per variant. */
function judge(pairs: ScanPair[], data: DuplicatesDataset) {
  const truth = new Map(data.planted.map((p) => [pairKey(...p.ids), p.variant]));
  const households = new Set(data.households.map(([a, b]) => pairKey(a, b)));
  const found = new Map<Variant, number>();
  const scores = new Map<Variant, number[]>();
  let truePositives = 0;
  let householdHits = 0;
  const falseReasons = new Map<string, number>();
  const seen = new Set<string>();
  for (const p of pairs) {
    const key = pairKey(...p.customerIds);
    if (seen.has(key)) throw new Error(`the scan reported the pair ${key} twice`);
    seen.add(key);
    const variant = truth.get(key);
    if (variant) {
      truePositives++;
      found.set(variant, (found.get(variant) ?? 0) + 1);
      if (!scores.has(variant)) scores.set(variant, []);
      scores.get(variant)!.push(p.score);
    } else {
      if (households.has(key)) householdHits++;
      const why = `${p.reasons.join('+')} ${p.score}`;
      falseReasons.set(why, (falseReasons.get(why) ?? 0) + 1);
    }
  }
  const perVariant = VARIANTS.map((v) => {
    const n = data.planted.filter((p) => p.variant === v).length;
    const s = (scores.get(v) ?? []).sort((a, b) => a - b);
    return { variant: v, planted: n, found: found.get(v) ?? 0, recall: n ? (found.get(v) ?? 0) / n : NaN, minScore: s[0], medianScore: s[Math.floor(s.length / 2)] };
  });
  const falsePositives = pairs.length - truePositives;
  return {
    reported: pairs.length,
    truePositives,
    falsePositives,
    householdHits,
    precision: pairs.length ? truePositives / pairs.length : NaN,
    recall: truePositives / data.planted.length,
    perVariant,
    falseReasons: [...falseReasons].sort((a, b) => b[1] - a[1]).slice(0, 5),
  };
}

const variantText = (j: ReturnType<typeof judge>) => j.perVariant.map((v) => `${v.variant} ${v.found}/${v.planted}${v.found ? ` (scores ${v.minScore}–, median ${v.medianScore})` : ''}`).join(', ');

/** The HTTP floor: a bare Fastify app in its own process, the same client, keep-alive. */
async function bareFloor(ctx: BenchContext, agent: Agent, count: number): Promise<MeasuredRow[]> {
  const bare = await startServer('serve-bare');
  try {
    const get = new LatencyRecorder();
    const post = new LatencyRecorder();
    for (let i = 0; i < 50; i++) await call(agent, bare, 'GET', '/v1/ping');
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < count; i++) get.recordMs((await must(call(agent, bare, 'GET', '/v1/ping'), 200, 'bare GET')).ms);
    const t1 = process.hrtime.bigint();
    for (let i = 0; i < count; i++) post.recordMs((await must(call(agent, bare, 'POST', `/v1/customers/c${i}/touchpoints`, { type: 'call' }), 201, 'bare POST')).ms);
    const t2 = process.hrtime.bigint();
    // The registration load's floor: the same connections, a body of the same size.
    const concurrent = count * 5;
    const body = { customerId: '00000000-0000-4000-8000-000000000000', kind: 'person', name: 'Olena Shevchenko', email: 'olena.shevchenko1@gmail.com', phone: '+380671234567', address: { line1: 'Shevchenka St. 1', city: 'Kyiv', postalCode: '01001', country: 'UA' }, owner: 'sales.anna' };
    let next = 0;
    const t3 = process.hrtime.bigint();
    await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
      while (next < concurrent) await must(call(agent, bare, 'POST', `/v1/customers/c${next++}/touchpoints`, body), 201, 'bare POST');
    }));
    const t4 = process.hrtime.bigint();
    const rss = await bare.stop();
    const s = (a: bigint, b: bigint) => Number(b - a) / 1e9;
    ctx.log(`  bare Fastify: GET p99 ${get.summary().p99} ms, POST p99 ${post.summary().p99} ms, ${fmt(concurrent / s(t3, t4))} POST/s at ${CONNECTIONS} connections`);
    return [
      { id: 'raw.duplicates.http.get', title: 'bare Fastify GET route, sequential', kind: 'baseline', engine: 'http', ops: count, seconds: s(t0, t1), throughput: count / s(t0, t1), unit: 'req/s', latencyMs: get.summary(), peakRssMiB: rss },
      { id: 'raw.duplicates.http.post', title: 'bare Fastify POST route, sequential', kind: 'baseline', engine: 'http', ops: count, seconds: s(t1, t2), throughput: count / s(t1, t2), unit: 'req/s', latencyMs: post.summary(), peakRssMiB: rss },
      { id: 'raw.duplicates.http.post.concurrent', title: `bare Fastify POST route, ${CONNECTIONS} keep-alive connections (registration-sized body)`, kind: 'baseline', engine: 'http', ops: concurrent, seconds: s(t3, t4), throughput: concurrent / s(t3, t4), unit: 'req/s', peakRssMiB: rss },
    ];
  } catch (error) {
    await bare.stop().catch(() => undefined);
    throw error;
  }
}

/**
 * The first registrations of a large base through the command path without HTTP, before the API starts: the customer
 * decider run by the app's AggregateRunner over the app's store (encrypting wrapper, hash chain, a key per customer),
 * BULK_IN_FLIGHT commands in flight so group commit and the key batcher see bursts. The same events as POST /v1/customers.
 */
async function bulkRegister(ctx: BenchContext, dir: string, registrations: Registration[]): Promise<{ seconds: number; lastPosition: number; peakRssMiB: number }> {
  const store = await openAppEventStore(dir);
  const runner = appRunner(store);
  const bar = ctx.progress('bulk registration', registrations.length);
  let next = 0;
  let lastPosition = 0;
  resetPeakRss();
  const started = Date.now();
  try {
    await Promise.all(
      Array.from({ length: BULK_IN_FLIGHT }, async () => {
        while (next < registrations.length) {
          const i = next++;
          const { customerId, ...rest } = registrations[i];
          const result = await runCustomerCommand(runner, customerId, { type: 'RegisterCustomer', data: { customerId, ...rest, occurredAt: new Date().toISOString() } }, i);
          lastPosition = Math.max(lastPosition, result.globalPosition);
          if (i % 10_000 === 0) bar.update(i);
          if (i % 100_000 === 0 && i > 0 && !process.stdout.isTTY) ctx.log(`  … ${fmt(i)} registered in bulk in ${((Date.now() - started) / 1000).toFixed(0)} s`);
        }
      }),
    );
  } finally {
    bar.stop();
    await runner.close();
    await store.close();
  }
  const seconds = (Date.now() - started) / 1000;
  ctx.log(`  registered ${fmt(registrations.length)} customers in bulk in ${seconds.toFixed(1)} s (${fmt(registrations.length / seconds)}/s); the API starts next`);
  return { seconds, lastPosition, peakRssMiB: peakRssMiB() };
}

/** `--only duplicates`. */
export const duplicatesScenario: Scenario = async (ctx) => {
  const total = Number(process.env.BENCH_DUPLICATES_CUSTOMERS) || (ctx.quick ? QUICK_CUSTOMERS : FULL_CUSTOMERS);
  const t = Date.now();
  const data = duplicatesDataset(SEED ^ 0xd0b1e, total);
  ctx.log(`  generated ${fmt(total)} registrations (${fmt(data.planted.length)} planted duplicates, ${fmt(data.households.length)} household members) in ${((Date.now() - t) / 1000).toFixed(1)} s; V8 heap limit ${fmt(getHeapStatistics().heap_size_limit / 2 ** 20)} MiB (the API child inherits the harness's flags)`);
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const lookups = ctx.quick ? 200 : 2000;
  const merges = Math.min(data.planted.length, ctx.quick ? 30 : 300);
  const rows: MeasuredRow[] = [];
  try {
    rows.push(...(await bareFloor(ctx, agent, lookups)));

    // (1) The bulk of a large base through the command path without HTTP (sizes above 100,000 only).
    const dir = ctx.dir('duplicates');
    const httpCount = Math.min(total, Number(process.env.BENCH_DUPLICATES_HTTP) || (total <= 100_000 ? total : HTTP_TAIL));
    const bulkCount = total - httpCount;
    const bulk = bulkCount > 0 ? await bulkRegister(ctx, dir, data.registrations.slice(0, bulkCount)) : undefined;

    // The indexer and the projector start while the API boots: their checkpoints are followed from the spawn.
    const checkpoints = followCheckpoints(dir);
    const spawnedAt = Date.now();
    const child = runChild<{ peakRssMiB: number }>('serve-api', { dir, projectorInProcess: true });
    child.result.catch(() => undefined);
    const pid = child.process.pid!;
    const rss = watchPeakRss(pid);
    const { port, token } = await child.ready.catch((error: unknown) => {
      checkpoints.stop();
      rss.stop();
      throw error;
    });
    const readyAt = Date.now();
    const api: Server = { url: `http://127.0.0.1:${port}`, headers: { authorization: `Bearer ${token}` }, pid: child.process.pid ?? 0, stop: async () => NaN };
    /** Polls GET /v1/duplicates?minPosition= (it waits for the read models and the index, else 503) until it answers. */
    const untilIndexed = async (position: number) => {
      let retries = 0;
      const deadline = Date.now() + 90 * 60_000;
      for (;;) {
        const a = await call(agent, api, 'GET', `/v1/duplicates?minPosition=${position}&limit=1&minScore=${LIKELY}`);
        if (a.status === 200) break;
        if (a.status !== 503 || Date.now() > deadline) throw new Error(`GET /v1/duplicates?minPosition=${position}: ${a.status} ${JSON.stringify(a.body).slice(0, 400)}`);
        checkpoints.sample();
        const s = checkpoints.samples[checkpoints.samples.length - 1];
        if (++retries % 15 === 0) ctx.log(`  … waiting: indexer at ${fmt(s.indexer)}, projector at ${fmt(s.projector)} of ${fmt(position)}, API RSS ${rss.read()} MiB`);
      }
      const answeredAt = Date.now();
      checkpoints.sample();
      return { answeredAt, retries, indexedAt: checkpoints.reached('indexer', position)?.at ?? answeredAt, projectedAt: checkpoints.reached('projector', position)?.at ?? answeredAt };
    };
    try {
      // (2) A large base: the API starts on it; its projector and indexer catch up from position 0.
      let catchUp: MeasuredRow | undefined;
      if (bulk) {
        const caught = await untilIndexed(bulk.lastPosition);
        const cpuCaught = cpuSeconds(pid);
        const ms = Math.max(1, caught.answeredAt - spawnedAt);
        const busy = await waitIdle(pid);
        const at = (t: number) => ((t - spawnedAt) / 1000).toFixed(1);
        ctx.log(`  API started on ${fmt(bulk.lastPosition)} events (listening after ${at(readyAt)} s): GET /v1/duplicates?minPosition answered after ${(ms / 1000).toFixed(1)} s from the spawn (indexer at the head after ${at(caught.indexedAt)} s, projector after ${at(caught.projectedAt)} s), then busy ${(busy / 1000).toFixed(1)} s; ${rss.read()} MiB`);
        catchUp = {
          id: 'duplicates.catch-up',
          title: `API started on ${fmt(bulkCount)} registered customers: from its spawn until GET /v1/duplicates?minPosition=<head> answers (latency = that time)`,
          kind: 'scenario',
          engine: 'sqlite',
          ops: bulk.lastPosition,
          seconds: ms / 1000,
          throughput: bulk.lastPosition / (ms / 1000),
          unit: 'events/s',
          latencyMs: once(ms),
          peakRssMiB: rss.read(),
          note: `the projector and the blind-index indexer both start at position 0 in the API process, which listens after ${at(readyAt)} s (checkpoints sampled every 250 ms from the spawn): the indexer reached the head after ${at(caught.indexedAt)} s (${fmt(bulk.lastPosition / Math.max(0.001, (caught.indexedAt - spawnedAt) / 1000))} customers/s), the projector after ${at(caught.projectedAt)} s (${fmt(bulk.lastPosition / Math.max(0.001, (caught.projectedAt - spawnedAt) / 1000))} events/s); the endpoint waits for both; API CPU ${cpuCaught.toFixed(0)} s until then; the API then stayed busy ${(busy / 1000).toFixed(1)} s (ranking every customer at the head)`,
        };
      }

      // (3) Registration over HTTP, CONNECTIONS requests in flight, in the generated order.
      const register = new LatencyRecorder();
      let next = bulkCount;
      let done = 0;
      let lastPosition = bulk?.lastPosition ?? 0;
      const bar = ctx.progress('register customers', httpCount);
      const cpu0 = cpuSeconds(pid);
      const started = Date.now();
      // The rate along the way, per tenth of the registrations: how it changes as the base grows.
      const tenth = Math.max(1, Math.floor(httpCount / 10));
      const curve: Array<{ done: number; at: number; rss: number }> = [];
      await Promise.all(
        Array.from({ length: CONNECTIONS }, async () => {
          while (next < total) {
            const i = next++;
            const a = await must(call<{ globalPosition: number }>(agent, api, 'POST', '/v1/customers', data.registrations[i]), 201, `POST /v1/customers #${i}`);
            register.recordMs(a.ms);
            lastPosition = Math.max(lastPosition, a.body.globalPosition);
            if (++done % tenth === 0) {
              curve.push({ done, at: Date.now(), rss: rss.read() });
              const [prev, now] = [curve[curve.length - 2] ?? { done: 0, at: started }, curve[curve.length - 1]];
              if (!process.stdout.isTTY) ctx.log(`  … ${fmt(done)} registered over HTTP in ${((now.at - started) / 1000).toFixed(0)} s, ${fmt((now.done - prev.done) / ((now.at - prev.at) / 1000))}/s over the last ${fmt(now.done - prev.done)}, API RSS ${now.rss} MiB`);
            }
            if (done % 1000 === 0) bar.update(done);
          }
        }),
      );
      const registeredAt = Date.now();
      const cpuRegister = cpuSeconds(pid) - cpu0;
      bar.stop();
      checkpoints.sample();
      const atEnd = checkpoints.samples[checkpoints.samples.length - 1];
      const registerSeconds = (registeredAt - started) / 1000;
      const registerRss = rss.read();
      const curveText = curve.map((c, k) => `${fmt((bulkCount + c.done) / 1000)}k ${fmt((c.done - (curve[k - 1]?.done ?? 0)) / ((c.at - (curve[k - 1]?.at ?? started)) / 1000))}/s`).join(', ');
      ctx.log(`  registered ${fmt(httpCount)} customers over HTTP in ${registerSeconds.toFixed(1)} s (${fmt(httpCount / registerSeconds)}/s, p99 ${register.summary().p99} ms); last position ${fmt(lastPosition)}; at the end the indexer was at ${fmt(atEnd.indexer)}, the projector at ${fmt(atEnd.projector)}`);

      // (4) Indexing: from the last registration until the duplicates endpoint answers at that position.
      const indexed = await untilIndexed(lastPosition);
      const { answeredAt, retries, indexedAt, projectedAt } = indexed;
      const indexLagMs = Math.max(1, answeredAt - registeredAt);
      const indexRss = rss.read();
      const indexerRate = httpCount / ((indexedAt - started) / 1000);
      const tail = (which: 'indexer' | 'projector', at: number) => (lastPosition - atEnd[which]) / Math.max(0.001, (at - registeredAt) / 1000);
      const cpuIndex = cpuSeconds(pid) - cpu0 - cpuRegister;
      ctx.log(`  GET /v1/duplicates?minPosition answered ${(indexLagMs / 1000).toFixed(1)} s after the last registration (indexer reached it after ${((indexedAt - registeredAt) / 1000).toFixed(1)} s, projector after ${((projectedAt - registeredAt) / 1000).toFixed(1)} s)`);
      const busy = await waitIdle(pid);
      ctx.log(`  the API then stayed busy ${(busy / 1000).toFixed(1)} s; ${rss.read()} MiB peak so far`);

      // (5) The per-customer lookup: half planted customers (each has a candidate), half anyone.
      rss.reset();
      const rng = new Rng(SEED ^ 0x100c);
      const planted = new Map<string, string>();
      for (const p of data.planted) planted.set(p.ids[0], p.ids[1]).set(p.ids[1], p.ids[0]);
      const targets = Array.from({ length: lookups + 50 }, (_, i) => (i % 2 ? rng.pick(data.planted).ids[rng.int(0, 1)] : rng.pick(data.registrations).customerId));
      const lookup = new LatencyRecorder();
      let asked = 0;
      let partnerFound = 0;
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < targets.length; i++) {
        const id = targets[i];
        const a = await must(call<{ candidates: Array<{ customerId: string; score: number }> }>(agent, api, 'GET', `/v1/customers/${id}/duplicates`), 200, `GET /v1/customers/${id}/duplicates`);
        if (i < 50) continue; // warm-up
        lookup.recordMs(a.ms);
        const partner = planted.get(id);
        if (partner) {
          asked++;
          if (a.body.candidates.some((c) => c.customerId === partner)) partnerFound++;
        }
      }
      const lookupSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const lookupRss = rss.read();
      ctx.log(`  GET /v1/customers/{id}/duplicates: ${lookups} requests, p99 ${lookup.summary().p99} ms; the planted partner among the candidates for ${partnerFound}/${asked}`);

      // (6) The full scan at minScore 0.8, then (for the record) at 0.5.
      rss.reset();
      const likely = await scan(agent, api, LIKELY);
      const likelyJudged = judge(likely.pairs, data);
      const scanRss = rss.read();
      ctx.log(`  scan minScore=${LIKELY}: ${fmt(likely.pairs.length)} pairs in ${(likely.ms / 1000).toFixed(1)} s (${likely.pages.count} pages, page p99 ${likely.pages.summary().p99} ms); precision ${likelyJudged.precision.toFixed(4)}, recall ${likelyJudged.recall.toFixed(4)}: ${variantText(likelyJudged)}`);
      const review = await scan(agent, api, REVIEW);
      const reviewJudged = judge(review.pairs, data);
      ctx.log(`  scan minScore=${REVIEW}: ${fmt(review.pairs.length)} pairs in ${(review.ms / 1000).toFixed(1)} s; precision ${reviewJudged.precision.toFixed(4)}, recall ${reviewJudged.recall.toFixed(4)}; false positives by reasons: ${reviewJudged.falseReasons.map(([r, n]) => `${r} ×${n}`).join(', ')}`);

      // (7) Merge and undo of planted pairs, one at a time, each followed by the survivor's read-your-writes GET.
      rss.reset();
      const merge = new LatencyRecorder();
      const undo = new LatencyRecorder();
      const fresh = new LatencyRecorder();
      const order = [...data.planted];
      for (let i = order.length - 1; i > 0; i--) {
        const j = rng.int(0, i);
        [order[i], order[j]] = [order[j], order[i]];
      }
      order.length = merges;
      const candidatesOf = async (id: string, minPosition?: number) =>
        (await must(call<{ candidates: Array<{ customerId: string }> }>(agent, api, 'GET', `/v1/customers/${id}/duplicates${minPosition ? `?minPosition=${minPosition}` : ''}`), 200, `GET /v1/customers/${id}/duplicates`)).body.candidates
          .map((c) => c.customerId)
          .sort()
          .join();
      let reindexChecked = 0;
      let reindexSame = 0;
      const tm = process.hrtime.bigint();
      for (const [n, { ids: [survivor, duplicate] }] of order.entries()) {
        const before = n < 20 ? await candidatesOf(survivor) : '';
        const m = await must(call<{ globalPosition: number; ids: { mergeId: string } }>(agent, api, 'POST', `/v1/customers/${survivor}/merges`, { duplicateId: duplicate, reason: 'bench: planted duplicate' }), 201, `POST merges ${survivor} ← ${duplicate}`);
        merge.recordMs(m.ms);
        const merged = await must(call<{ mergedFrom?: string[] }>(agent, api, 'GET', `/v1/customers/${survivor}?minPosition=${m.body.globalPosition}`), 200, `GET survivor after merge`);
        fresh.recordMs(merged.ms);
        if (!merged.body.mergedFrom?.includes(duplicate)) throw new Error(`after the merge ${survivor} ← ${duplicate}: mergedFrom ${JSON.stringify(merged.body.mergedFrom)}`);
        const u = await must(call<{ globalPosition: number }>(agent, api, 'POST', `/v1/customers/${survivor}/merges/${m.body.ids.mergeId}/undo`, { reason: 'bench: undo' }), 200, `POST undo ${m.body.ids.mergeId}`);
        undo.recordMs(u.ms);
        const split = await must(call<{ mergedFrom?: string[] }>(agent, api, 'GET', `/v1/customers/${survivor}?minPosition=${u.body.globalPosition}`), 200, `GET survivor after undo`);
        fresh.recordMs(split.ms);
        if (split.body.mergedFrom?.includes(duplicate)) throw new Error(`after undoing ${m.body.ids.mergeId}: mergedFrom still ${JSON.stringify(split.body.mergedFrom)}`);
        const back = await must(call<{ mergedInto?: string; customerId: string }>(agent, api, 'GET', `/v1/customers/${duplicate}`), 200, 'GET duplicate after undo');
        if (back.body.mergedInto || back.body.customerId !== duplicate) throw new Error(`after undo ${duplicate} reads as ${JSON.stringify(back.body).slice(0, 300)}`);
        // Not timed: after the undo the blind index finds the same candidates for the survivor as before the merge.
        if (n < 20) {
          reindexChecked++;
          if ((await candidatesOf(survivor, u.body.globalPosition)) === before) reindexSame++;
        }
      }
      const mergeSeconds = Number(process.hrtime.bigint() - tm) / 1e9;
      const mergeRss = rss.read();
      ctx.log(`  ${merges} merges + undos: merge p99 ${merge.summary().p99} ms, undo p99 ${undo.summary().p99} ms, survivor GET with minPosition p99 ${fresh.summary().p99} ms; after the undo the survivor's candidates were those before the merge for ${reindexSame}/${reindexChecked}`);

      rss.stop();
      const stopped = await (child.send('stop'), child.result);
      const peak = Math.max(stopped.peakRssMiB, registerRss);
      const perVariant = (j: ReturnType<typeof judge>) => variantText(j);
      const size = `${fmt(total)} customers`;
      if (bulk) {
        rows.push({
          id: 'duplicates.bulk',
          title: `registration of the first ${fmt(bulkCount)} customers through the runner and the encrypting store (no HTTP), ${BULK_IN_FLIGHT} in flight`,
          kind: 'scenario',
          engine: 'sqlite',
          ops: bulkCount,
          seconds: bulk.seconds,
          throughput: bulkCount / bulk.seconds,
          unit: 'cmd/s',
          peakRssMiB: bulk.peakRssMiB,
          note: 'RegisterCustomer decided by the customer decider and appended as the API appends it (same events; actor bench); in the harness process, before the API starts (its RSS includes the harness and the generated registrations)',
        });
        rows.push(catchUp!);
      }
      rows.push(
        {
          id: 'duplicates.register',
          title: `POST /v1/customers, ${bulk ? `the last ${fmt(httpCount)} of ` : ''}${size} (2 % planted duplicates), ${CONNECTIONS} keep-alive connections`,
          kind: 'scenario',
          engine: 'sqlite',
          ops: httpCount,
          seconds: registerSeconds,
          throughput: httpCount / registerSeconds,
          unit: 'req/s',
          latencyMs: register.summary(),
          peakRssMiB: registerRss,
          compareTo: { id: 'raw.duplicates.http.post.concurrent', metric: 'throughput' },
          note: `the API child with its projector and indexer in process; ${fmt(lastPosition)} events; the API used ${cpuRegister.toFixed(0)} CPU s over the ${registerSeconds.toFixed(0)} s (of 2 cores; the client shares them); at the last answer the indexer was ${fmt(lastPosition - atEnd.indexer)} events behind, the projector ${fmt(lastPosition - atEnd.projector)}; rate per tenth of the registrations (customers registered so far, rate over that tenth): ${curveText}; API RSS at the tenths ${curve.map((c) => c.rss).join(', ')} MiB`,
        },
        {
          id: 'duplicates.indexed',
          title: `registered over HTTP → GET /v1/duplicates?minPosition=<last> answers (latency = after the last registration; throughput = customers indexed per second from the first)`,
          kind: 'scenario',
          engine: 'sqlite',
          ops: httpCount,
          seconds: (indexedAt - started) / 1000,
          throughput: indexerRate,
          unit: 'customers/s',
          latencyMs: once(indexLagMs),
          peakRssMiB: indexRss,
          note: `checkpoints sampled every 250 ms from blind-index.db and read.db: the indexer reached the last position ${((indexedAt - registeredAt) / 1000).toFixed(1)} s after the last registration (${fmt(tail('indexer', indexedAt))} events/s after it), the projector ${((projectedAt - registeredAt) / 1000).toFixed(1)} s after (${fmt(tail('projector', projectedAt))} events/s after it); the endpoint waits for both; ${retries} answers 503 (each after the API's own consistency wait) before the 200; API CPU ${cpuIndex.toFixed(0)} s from the last registration to the answer; then busy ${(busy / 1000).toFixed(1)} s more`,
        },
        {
          id: 'duplicates.lookup',
          title: `GET /v1/customers/{id}/duplicates, ${size}, sequential (half planted customers, half anyone)`,
          kind: 'scenario',
          engine: 'sqlite',
          ops: lookups,
          seconds: lookupSeconds,
          throughput: lookups / lookupSeconds,
          unit: 'req/s',
          latencyMs: lookup.summary(),
          peakRssMiB: lookupRss,
          compareTo: { id: 'raw.duplicates.http.get', metric: 'p99' },
          targets: [{ description: 'p99 ≤ 10 ms', metric: 'p99', comparison: 'atMost', threshold: 10 }],
          note: `on a quiet API after indexing; 50 warm-up requests not counted; the planted partner was among the candidates for ${partnerFound} of ${asked} planted customers asked`,
        },
        {
          id: 'duplicates.scan',
          title: `full scan GET /v1/duplicates?minScore=${LIKELY}&limit=${PAGE} walked to the end, ${size} (latency = wall time)`,
          kind: 'scenario',
          engine: 'sqlite',
          ops: total,
          seconds: likely.ms / 1000,
          throughput: total / (likely.ms / 1000),
          unit: 'customers/s',
          latencyMs: once(likely.ms),
          peakRssMiB: scanRss,
          targets: [{ description: 'wall time ≤ 60 s', metric: 'p99', comparison: 'atMost', threshold: 60_000 }],
          note: `${likely.pages.count} pages, page p50 ${likely.pages.summary().p50} ms, p99 ${likely.pages.summary().p99} ms, max ${likely.pages.summary().max} ms; ${fmt(likely.pairs.length)} pairs reported`,
        },
        {
          id: 'duplicates.scan.precision',
          title: `scan at minScore ${LIKELY}: precision against the planted pairs (throughput column = %)`,
          kind: 'scenario',
          engine: 'sqlite',
          ops: likely.pairs.length,
          seconds: likely.ms / 1000,
          throughput: 100 * likelyJudged.precision,
          unit: '% precision',
          peakRssMiB: scanRss,
          targets: [{ description: 'precision ≥ 0.95', metric: 'throughput', comparison: 'atLeast', threshold: 95 }],
          note: `${likelyJudged.truePositives} of ${likelyJudged.reported} reported pairs are planted (${likelyJudged.householdHits} of the others are household members); false positives by reasons and score: ${likelyJudged.falseReasons.map(([r, n]) => `${r} ×${n}`).join(', ') || 'none'}`,
        },
        {
          id: 'duplicates.scan.recall',
          title: `scan at minScore ${LIKELY}: recall of the ${fmt(data.planted.length)} planted pairs (throughput column = %)`,
          kind: 'scenario',
          engine: 'sqlite',
          ops: data.planted.length,
          seconds: likely.ms / 1000,
          throughput: 100 * likelyJudged.recall,
          unit: '% recall',
          peakRssMiB: scanRss,
          targets: [{ description: 'recall ≥ 0.9', metric: 'throughput', comparison: 'atLeast', threshold: 90 }],
          note: `per variant: ${perVariant(likelyJudged)}; at minScore ${REVIEW} (${(review.ms / 1000).toFixed(1)} s, ${fmt(review.pairs.length)} pairs): recall ${reviewJudged.recall.toFixed(4)}, precision ${reviewJudged.precision.toFixed(4)} (${perVariant(reviewJudged)}; false positives: ${reviewJudged.falseReasons.map(([r, n]) => `${r} ×${n}`).join(', ') || 'none'})`,
        },
        {
          id: 'duplicates.merge',
          title: `POST /v1/customers/{s}/merges, ${merges} planted pairs, sequential`,
          kind: 'scenario',
          engine: 'sqlite',
          ops: merges,
          seconds: mergeSeconds,
          throughput: merges / mergeSeconds,
          unit: 'req/s',
          latencyMs: merge.summary(),
          peakRssMiB: mergeRss,
          compareTo: { id: 'raw.duplicates.http.post', metric: 'p99' },
          targets: [{ description: 'p99 ≤ 50 ms', metric: 'p99', comparison: 'atMost', threshold: 50 }],
          note: `two appends (the duplicate's stream, then the survivor's); throughput over the whole merge/GET/undo/GET loop`,
        },
        {
          id: 'duplicates.unmerge',
          title: `POST /v1/customers/{s}/merges/{mergeId}/undo, ${merges} merges, sequential`,
          kind: 'scenario',
          engine: 'sqlite',
          ops: merges,
          seconds: mergeSeconds,
          throughput: merges / mergeSeconds,
          unit: 'req/s',
          latencyMs: undo.summary(),
          peakRssMiB: mergeRss,
          compareTo: { id: 'raw.duplicates.http.post', metric: 'p99' },
          targets: [{ description: 'p99 ≤ 50 ms', metric: 'p99', comparison: 'atMost', threshold: 50 }],
        },
        {
          id: 'duplicates.merge.fresh',
          title: 'GET /v1/customers/{s}?minPosition=<merge or undo position> right after it (read models updated)',
          kind: 'scenario',
          engine: 'sqlite',
          ops: 2 * merges,
          seconds: mergeSeconds,
          throughput: (2 * merges) / mergeSeconds,
          unit: 'req/s',
          latencyMs: fresh.summary(),
          peakRssMiB: mergeRss,
          compareTo: { id: 'raw.duplicates.http.get', metric: 'p99' },
          note: `every answer checked: mergedFrom lists the duplicate after the merge and not after the undo, and the duplicate reads as itself again; after the undo GET …/duplicates?minPosition gave the survivor the candidates it had before the merge for ${reindexSame} of ${reindexChecked} checked; the API child's lifetime peak RSS ${peak} MiB`,
        },
      );
    } catch (error) {
      if (child.process.connected) child.send('stop');
      await child.result.catch(() => undefined);
      throw error;
    } finally {
      checkpoints.stop();
      rss.stop();
    }
  } finally {
    agent.destroy();
  }
  return rows;
};
