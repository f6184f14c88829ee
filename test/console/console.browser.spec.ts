/**
 * The console (apps/console) driven in Debian's Chromium through playwright-core, against the real API on the
 * embedded store with seeded customers: sign-in, the customer list and its filters, the 360 and the as-of slider,
 * the value curve against the API's answer, a verification, roles and a revoked key, and axe-core on every page.
 * With CONSOLE_SCREENSHOTS=<dir> it saves the screenshots docs/console.md shows.
 */
import AxeBuilder from '@axe-core/playwright';
import { issueApiKey } from '@touchpoint/auth';
import { chromiumPath, describeWith } from '@touchpoint/testing';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/app';
import { eventually, qs } from '../queries/helpers';

const executablePath = chromiumPath('console browser tests');
const screenshots = process.env.CONSOLE_SCREENSHOTS;

/** A seeded PRNG (mulberry32): the same customers and purchases on every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * 40 EUR customers buying as BG/NBD assumes: each at a rate of their own (Poisson) until they drop out, from a first
 * purchase in 2025 to 2026-02-28 at the latest, spending around a level that falls geometrically (a few bring most).
 */
const CUSTOMERS = (() => {
  const random = prng(7);
  const DAY0 = Date.UTC(2025, 0, 5);
  return Array.from({ length: 40 }, (_, i) => {
    const rate = 0.4 + 5 * random() ** 2; // purchases per 100 days
    const first = Math.floor(random() * 200);
    const lifetime = 30 + 500 * random();
    const days: number[] = [];
    for (let t = first; t < Math.min(first + lifetime, 419); t += Math.max(1, Math.round((-Math.log(1 - random()) * 100) / rate))) days.push(t);
    return { name: `Customer ${String(i + 1).padStart(2, '0')}`, unitPrice: Math.round(200_000 * 0.85 ** i) + 500, orderDates: days.map((d) => new Date(DAY0 + d * 86_400_000).toISOString()) };
  });
})();

/** Every customer seeded: the 40, Olena, and a pair registered twice (same email) for the duplicates page. */
const SEEDED = CUSTOMERS.length + 3;

async function seed(t: TestApp): Promise<{ olena: string; ivan: [string, string]; head: number }> {
  const admin = t.bearer('admin');
  const post = async (path: string, body: object, method: 'post' | 'patch' = 'post') => {
    const res = await request(t.http)[method](path).set('authorization', admin).send(body);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  for (const [i, c] of CUSTOMERS.entries()) {
    const id = (await post('/v1/customers', { kind: 'person', name: c.name, email: `c${i + 1}@example.com`, owner: i % 2 ? 'sales:ivan' : 'sales:maria' })).ids.customerId;
    // Orders in business time, so the lifetime-value model has repeat purchases to fit.
    for (const [k, occurredAt] of c.orderDates.entries()) {
      await post(`/v1/customers/${id}/orders`, { orderId: `SO-${i + 1}-${k}`, currency: 'EUR', occurredAt, lines: [{ sku: 'WIDGET', quantity: 1, unitPrice: c.unitPrice, unitCost: Math.round(c.unitPrice * 0.6) }] });
    }
    // Three open deals for the pipeline page.
    if (i < 3) await post('/v1/deals', { customerId: id, title: `Deal ${i + 1}`, amount: 100_000 * (i + 1), currency: 'EUR', stage: ['qualified', 'proposal', 'negotiation'][i], expectedCloseDate: `2026-0${4 + i}-15`, owner: 'sales:ivan' });
  }
  // One customer with a history to scrub through: registered under her maiden name, a call, an order, then renamed.
  const olena = (await post('/v1/customers', { kind: 'person', name: 'Olena Kovalenko', email: 'olena@example.com', owner: 'sales:ivan' })).ids.customerId;
  t.clock.advance(86_400_000);
  await post(`/v1/customers/${olena}/touchpoints`, { type: 'call', direction: 'inbound', subject: 'Pricing question', durationSeconds: 300 });
  t.clock.advance(86_400_000);
  await post(`/v1/customers/${olena}/orders`, { orderId: 'SO-OK-1', currency: 'EUR', lines: [{ sku: 'GADGET', quantity: 2, unitPrice: 45_000, unitCost: 30_000 }] });
  t.clock.advance(86_400_000);
  const renamed = await post(`/v1/customers/${olena}`, { name: 'Olena Petrenko' }, 'patch');
  // Recorded last, happened second day at noon: a call logged late (business time ≠ record time).
  await post(`/v1/customers/${olena}/touchpoints`, { type: 'call', direction: 'outbound', subject: 'Follow-up', occurredAt: '2026-03-03T12:00:00.000Z' });
  // The same person registered twice, by two desks, each with an order.
  const ivan: [string, string] = ['', ''];
  let head = renamed.globalPosition;
  for (const [k, name] of ['Ivan Franko', 'Ivan Franko (web shop)'].entries()) {
    ivan[k] = (await post('/v1/customers', { kind: 'person', name, email: 'ivan.franko@example.com' })).ids.customerId;
    head = (await post(`/v1/customers/${ivan[k]}/orders`, { orderId: `SO-IF-${k}`, currency: 'EUR', lines: [{ sku: 'WIDGET', quantity: 1, unitPrice: 10_000 * (k + 1), unitCost: 5_000 }] })).globalPosition;
  }
  return { olena, ivan, head };
}

describeWith(executablePath)('the console in Chromium', () => {
  jest.setTimeout(60_000);
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let seeded: { olena: string; ivan: [string, string]; head: number };
  const timings: Record<string, number[]> = {};

  async function shoot(name: string) {
    if (!screenshots) return;
    mkdirSync(screenshots, { recursive: true });
    await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
  }

  /** axe-core on what the page shows now: no serious or critical violation (WCAG 2.1 A/AA rules). */
  async function accessible(where: string) {
    const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${where}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join('; ')}`);
    expect(bad).toEqual([]);
  }

  async function signIn(secret: string) {
    await page.goto(`${base}/console/`);
    await page.getByLabel('API key or bearer token').fill(secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  async function measured(name: string) {
    const entries = await page.evaluate((n) => performance.getEntriesByName(n).map((e) => e.duration), name);
    (timings[name] ??= []).push(...entries);
    await page.evaluate(() => performance.clearMeasures());
  }

  beforeAll(async () => {
    t = await startTestApp({ engine: 'sqlite', auth: 'required', env: { TOUCHPOINT_LTV_MIN_REPEAT_CUSTOMERS: '10' } });
    await t.app.listen(0, '127.0.0.1');
    base = await t.app.getUrl();
    seeded = await seed(t);
    // The list and the value curve read the ranking: wait until it covers every customer.
    await eventually(
      async () => (await request(t.http).get(`/v1/analytics/value-distribution${qs({ minPosition: seeded.head })}`).set('authorization', t.bearer('analyst')).expect(200)).body,
      (d) => expect(d.currencies.EUR?.customers).toBe(SEEDED),
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    if (Object.keys(timings).length) process.stdout.write(`console timings (ms): ${JSON.stringify(timings)}\n`);
  });
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB', acceptDownloads: true });
    page = await context.newPage();
  });
  afterEach(() => context.close());

  it('serves the console from the API and refuses a key the API does not accept', async () => {
    await signIn('tp_not-a-real-key');
    await expect(page.getByRole('alert').textContent()).resolves.toContain('not accepted');
    await accessible('sign-in');
    await shoot('sign-in');
    expect(await page.evaluate("sessionStorage.getItem('touchpoint.credential')")).toBeNull();
  });

  it('signs in, lists customers with the API’s filters and pages, and opens the 360', async () => {
    await signIn(t.keys.admin);
    await page.getByRole('heading', { name: 'Customers' }).waitFor(); // isVisible() would not wait for the sign-in
    const rows = page.locator('main table tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(25); // the first page of 43
    await accessible('customers');
    await shoot('customers');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('Page 2').waitFor();
    await eventually(async () => rows.count(), (n) => expect(n).toBe(SEEDED - 25));
    await measured('customers:list');

    // Tier A as the API answers it: the same customers, in the same order.
    await page.getByLabel('Sort').selectOption('name');
    await page.getByLabel('Tier').selectOption('A');
    const api = (await request(t.http).get('/v1/customers?tier=A&sort=name&limit=25').set('authorization', t.bearer('analyst')).expect(200)).body.items.map((c: any) => c.name);
    expect(api.length).toBeGreaterThan(0);
    await eventually(async () => page.locator('main table tbody tr td:first-child a').allTextContents(), (names) => expect(names).toEqual(api));
    await measured('customers:list');

    // Find a customer by the start of the name: case and accents do not matter.
    const names = () => page.locator('main table tbody tr td:first-child a').allTextContents();
    const type = async (label: string, value: string) => {
      await page.getByLabel(label).fill(value);
      await page.getByLabel(label).press('Enter');
    };
    await page.getByLabel('Tier').selectOption('');
    await type('Name starts with', 'OLÉNA p');
    await eventually(names, (shown) => expect(shown).toEqual(['Olena Petrenko']));
    await measured('customers:list');
    await type('Name starts with', '');
    // Predicted value of at least 1,000 EUR: the console sends minor units, and shows what the API answers.
    await type('Currency', 'EUR');
    await type('Predicted value at least', '1000');
    const likely = (await request(t.http).get('/v1/customers?currency=EUR&minPredictedValue=100000&sort=name&limit=25').set('authorization', t.bearer('analyst')).expect(200)).body.items.map((c: any) => c.name);
    expect(likely.length).toBeGreaterThan(0);
    expect(likely.length).toBeLessThan(SEEDED - 3);
    await eventually(names, (shown) => expect(shown).toEqual(likely));
    await type('Predicted value at least', '');
    await type('Currency', '');
    await page.getByRole('link', { name: 'Customer 01' }).click();
    await page.getByRole('heading', { name: 'Customer 01' }).waitFor();
    const c360 = (await request(t.http).get(`/v1/customers?sort=name&limit=1`).set('authorization', t.bearer('analyst')).expect(200)).body.items[0];
    const revenue = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'EUR' }).format(c360.value.revenue / 100);
    await expect(page.locator('dl.figures').first().textContent()).resolves.toContain(revenue);
    await measured('customers:360');
    await accessible('customer 360');
    await shoot('customer-360');
  });

  it('moves the as-of slider back to the first event and shows the record as it was then', async () => {
    await signIn(t.keys.admin);
    await page.goto(`${base}/console/#/customers/${seeded.olena}`);
    const slider = page.getByRole('slider');
    await slider.waitFor();
    const name = page.locator('[data-figure="name"] dd .value');
    await eventually(async () => name.textContent(), (text) => expect(text).toBe('Olena Petrenko'));
    await expect(page.locator('[data-figure="orders.placed"] dd .value').textContent()).resolves.toBe('1');
    // Keyboard: Home takes the slider to the registration.
    await slider.focus();
    await page.keyboard.press('Home');
    await eventually(async () => name.textContent(), (text) => expect(text).toBe('Olena Kovalenko'));
    await expect(page.locator('[data-figure="orders.placed"] dd .value').textContent()).resolves.toBe('0');
    await page.getByText('After event 1 of 5: CustomerRegistered').waitFor();
    // One step on: the call, counted by the touchpoint figure, which explains itself by the events behind it.
    await page.keyboard.press('ArrowRight');
    await eventually(async () => page.locator('[data-figure="touchpoints.total"] dd .value').textContent(), (text) => expect(text).toBe('1'));
    await page.locator('[data-figure="touchpoints.total"] summary').click();
    await expect(page.locator('[data-figure="touchpoints.total"] details li').allTextContents()).resolves.toEqual(expect.arrayContaining([expect.stringContaining('TouchpointRecorded')]));
    await slider.focus();
    await page.keyboard.press('End');
    await eventually(async () => name.textContent(), (text) => expect(text).toBe('Olena Petrenko'));
    await expect(page.locator('ol.timeline li').count()).resolves.toBe(5);
    // By business time the late-logged call comes third, before the order: two calls, no order yet.
    await page.getByLabel('Business time (as it happened)').check();
    await slider.focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.getByText(/^After event 3 of 5: TouchpointRecorded, happened/).waitFor();
    await page.locator('dl.figures[data-time="business"][data-applied="3"]').waitFor(); // the state replayed to that moment has arrived
    await expect(name.textContent()).resolves.toBe('Olena Kovalenko');
    await expect(page.locator('[data-figure="touchpoints.total"] dd .value').textContent()).resolves.toBe('2');
    await expect(page.locator('[data-figure="orders.placed"] dd .value').textContent()).resolves.toBe('0');
    await accessible('customer as-of');
    await shoot('customer-as-of');
  });

  it('plots the value curve with the API’s shares, and offers its numbers as CSV', async () => {
    await signIn(t.keys.analyst);
    await page.getByRole('link', { name: 'Value', exact: true }).click();
    await page.locator('#top-shares').waitFor();
    const dist = (await request(t.http).get('/v1/analytics/value-distribution').set('authorization', t.bearer('analyst')).expect(200)).body.currencies.EUR;
    const top20 = dist.top.find((x: any) => x.percent === 20).revenueShare;
    await expect(page.locator('#top-shares tr[data-percent="20"] td[data-share]').getAttribute('data-share')).resolves.toBe(String(top20));
    await expect(page.getByRole('img').getAttribute('aria-label')).resolves.toContain(`top 20 % of customers bring ${Math.round(top20 * 1000) / 10}%`);
    expect(await page.locator('.chart canvas').count()).toBe(1);
    // The plotted series, downloaded: the curve the API computed, point for point.
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download the curve as CSV' }).click();
    const lines = readFileSync((await (await download).path())!, 'utf8').trim().split('\r\n');
    expect(lines[0]).toBe('top_percent_of_customers,revenue_share');
    expect(lines.slice(1)).toEqual(dist.curve.map((p: any) => `${p.percent},${p.revenueShare}`));
    expect(lines[21]).toBe(`20,${top20}`);
    // The RFM grid: each cell the API's count of customers with that recency and frequency score.
    for (const [r, row] of dist.rfmGrid.entries()) {
      for (const [f, n] of row.entries()) await expect(page.locator(`#rfm-grid td[data-cell="${r + 1}${f + 1}"]`).textContent()).resolves.toBe(String(n));
    }
    await accessible('value');
    await shoot('value');
  });

  it('shows every forecast method side by side per period, as the API computes them', async () => {
    await signIn(t.keys.analyst);
    await page.getByRole('link', { name: 'Pipeline' }).click();
    await page.locator('#forecast tbody tr').first().waitFor();
    const api = (await request(t.http).get('/v1/pipeline/forecast?period=month').set('authorization', t.bearer('analyst')).expect(200)).body.forecasts.byPeriod;
    expect(api.map((r: any) => r.period)).toEqual(['2026-04', '2026-05', '2026-06']);
    for (const r of api) {
      for (const method of ['stage_weighted', 'learned_weighted', 'category_commit', 'category_best_case']) {
        await expect(page.locator(`#forecast tr[data-period="${r.period}"] td[data-method="${method}"]`).getAttribute('data-value')).resolves.toBe(String(r[method]));
      }
    }
    // stage-weighted: 1 000.00 × 0.25 (qualified) in April
    expect(api[0].stage_weighted).toBe(25_000);
    const cycle = (await request(t.http).get('/v1/pipeline/sales-cycle').set('authorization', t.bearer('analyst')).expect(200)).body.total;
    await expect(page.locator('#sales-cycle').textContent()).resolves.toContain(`${cycle.opened} deals opened, ${cycle.won} won`);
    await accessible('pipeline');
    await shoot('pipeline');
  });

  it('shows the lifetime-value fit and backtests it against what happened next', async () => {
    const fitted = await request(t.http).post('/v1/analytics/lifetime-value/fits').set('authorization', t.bearer('analyst')).send({ currency: 'EUR', cutoff: '2025-08-31' }).expect(201);
    expect(fitted.body.fits).toHaveLength(1);
    await signIn(t.keys.analyst);
    await page.getByRole('link', { name: 'Lifetime value' }).click();
    await page.locator('#fits tbody tr').first().waitFor();
    await expect(page.locator('#fits tbody tr th').textContent()).resolves.toBe('EUR');
    await page.getByLabel('Holdout end').fill('2026-02-28');
    await page.getByRole('button', { name: 'Run the backtest' }).click();
    await page.locator('#backtest-errors').waitFor();
    const bt = (await request(t.http).get('/v1/analytics/lifetime-value/backtest?calibrationEnd=2025-08-31&holdoutEnd=2026-02-28&currency=EUR').set('authorization', t.bearer('analyst')).expect(200)).body;
    for (const predictor of ['model', 'heuristic', 'zero']) {
      await expect(page.locator(`#backtest-errors tr[data-predictor="${predictor}"] td[data-mae]`).getAttribute('data-mae')).resolves.toBe(String(bt.predictors[predictor].revenue.mae));
    }
    expect(await page.locator('#backtest canvas').count()).toBe(1);
    await accessible('lifetime value');
    await shoot('lifetime-value');
  });

  it('verifies the log for an auditor; an analyst sees no audit actions and the API refuses them anyway', async () => {
    await signIn(t.keys.admin);
    await page.getByRole('link', { name: 'Operations' }).click();
    await page.getByRole('button', { name: 'Verify now' }).click();
    const status = page.locator('#verification');
    await status.waitFor();
    const head = await t.store.headPosition();
    await expect(status.textContent()).resolves.toMatch(new RegExp(`^Intact: ${new Intl.NumberFormat('en-GB').format(head)} events checked`));
    // The feed's tail: the newest event first, as GET /v1/events has it.
    // (the feed serves the events integrations see; the log also holds a few internal ones, such as model fits)
    const feed = (await request(t.http).get(`/v1/events?after=${head - 15}&limit=15`).set('authorization', t.bearer('service')).expect(200)).body.events;
    const newest = feed[feed.length - 1].globalPosition;
    await eventually(
      async () => page.locator('#feed tbody tr').first().locator('td').first().textContent(),
      (position) => expect(position).toBe(new Intl.NumberFormat('en-GB').format(newest)),
      { timeoutMs: 15_000, intervalMs: 250 },
    );
    await accessible('operations');
    await shoot('operations');

    await context.clearCookies();
    await page.evaluate('sessionStorage.clear()');
    await signIn(t.keys.analyst);
    await page.getByRole('link', { name: 'Operations' }).click();
    await page.getByRole('heading', { name: 'Operations' }).waitFor();
    expect(await page.getByRole('button', { name: 'Verify now' }).count()).toBe(0);
    await page.goto(`${base}/console/#/customers/${seeded.olena}`);
    await page.getByRole('heading', { name: 'Olena Petrenko' }).waitFor();
    expect(await page.getByRole('slider').count()).toBe(0);
    // Page scripts are strings here: the test compiles without the DOM's types.
    const refused = await page.evaluate("fetch('/v1/audit/verify', { headers: { authorization: 'Bearer ' + sessionStorage.getItem('touchpoint.credential') } }).then((r) => r.status)");
    expect(refused).toBe(403);
  });

  it('reviews a duplicate pair: the dry run first, then the merge, then its undo', async () => {
    await signIn(t.keys.admin);
    await page.getByRole('link', { name: 'Duplicates' }).click();
    const row = page.locator('tr', { hasText: 'Ivan Franko' });
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain('same email');
    await accessible('duplicates');
    await row.getByRole('button', { name: 'Review' }).click();
    // The dry run: one record holding both orders (100.00 + 200.00 EUR), nothing written yet.
    const preview = page.locator('#merge-preview');
    await preview.waitFor();
    await expect(preview.textContent()).resolves.toContain(`2 orders · ${new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'EUR' }).format(300)}`);
    const head = await t.store.headPosition();
    await accessible('merge review');
    await shoot('merge-review');
    expect(await t.store.headPosition()).toBe(head);

    const [survivor, duplicate] = seeded.ivan;
    await page.getByLabel('Reason').fill('same person, registered by the web shop');
    await page.getByRole('button', { name: 'Merge' }).click();
    await page.getByText(/^Merged /).waitFor();
    const analyst = t.bearer('analyst');
    await eventually(
      async () => (await request(t.http).get(`/v1/customers/${duplicate}/merges`).set('authorization', analyst).expect(200)).body,
      (m) => expect(m.mergedInto).toMatchObject({ survivorId: survivor }),
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    await page.getByRole('button', { name: 'Undo the merge' }).click();
    await page.getByText(/^Undone/).waitFor();
    await eventually(
      async () => (await request(t.http).get(`/v1/customers/${duplicate}/merges`).set('authorization', analyst).expect(200)).body,
      (m) => expect(m.mergedInto).toBeNull(),
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    const events = (await request(t.http).get(`/v1/streams/customer-${survivor}/events`).set('authorization', t.bearer('auditor')).expect(200)).body.events.map((e: any) => e.type);
    expect(events.slice(-2)).toEqual(['CustomerMerged', 'CustomerUnmerged']);
  });

  it('imports an NDJSON file for an importer, follows it to the end and lists the rejected line', async () => {
    await signIn(t.keys.importer);
    await page.getByRole('link', { name: 'Imports' }).click();
    const lines = [
      { type: 'RegisterCustomer', sourceId: 'k1', kind: 'person', name: 'Kateryna Bilous' },
      { type: 'PlaceOrder', sourceId: 'o1', customer: 'k1', currency: 'EUR', total: 5000, occurredAt: '2025-06-01T10:00:00Z' },
      { type: 'PlaceOrder', sourceId: 'o2', customer: 'nobody', currency: 'EUR', total: 100, occurredAt: '2025-06-02T10:00:00Z' },
    ];
    await page.getByLabel('NDJSON file').setInputFiles({ name: 'backfill.ndjson', mimeType: 'application/x-ndjson', buffer: Buffer.from(lines.map((l) => JSON.stringify(l)).join('\n')) });
    await page.getByLabel('Source system').fill('oldcrm');
    await page.getByRole('button', { name: 'Import' }).click();
    await page.locator('#import-status[data-status="completed"]').waitFor();
    await expect(page.locator('#import-status').textContent()).resolves.toContain('3 lines read: 2 accepted, 0 already imported, 1 rejected');
    await expect(page.locator('#rejections tbody tr').allTextContents()).resolves.toEqual([expect.stringMatching(/^3PlaceOrder o2customerunknown_reference/)]);
    // The list of imports shows it once it has ended, as GET /v1/imports answers it.
    await eventually(
      async () => page.locator('#import-list tbody tr').allTextContents(),
      (rows) => expect(rows).toEqual([expect.stringMatching(/oldcrmcompleted321/)]),
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    const listed = (await request(t.http).get('/v1/imports').set('authorization', t.bearer('importer')).expect(200)).body.items;
    expect(listed).toEqual([expect.objectContaining({ source: 'oldcrm', status: 'completed', linesRead: 3, accepted: 2, rejected: 1 })]);
    await accessible('imports');
    await shoot('imports');
    // The import is in the API's records too: the customer, by its id in the source system.
    await eventually(
      async () => (await request(t.http).get('/v1/customers?externalId=oldcrm:k1').set('authorization', t.bearer('analyst')).expect(200)).body.items,
      (found) => expect(found.map((c: any) => c.name)).toEqual(['Kateryna Bilous']),
      { timeoutMs: 10_000, intervalMs: 100 },
    );
  });

  it('sends a revoked key back to sign-in', async () => {
    const issued = await issueApiKey(t.apiKeyStore, { name: 'browser-revoked', roles: ['analyst'], now: t.clock.now() });
    await signIn(issued.secret);
    await page.locator('main table tbody tr').first().waitFor(); // the list's request has answered
    await t.apiKeyStore.revoke(issued.record.id, t.clock.now().toISOString());
    await page.getByRole('link', { name: 'Value', exact: true }).click();
    await page.getByLabel('API key or bearer token').waitFor();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('no longer accepted');
    expect(await page.evaluate("sessionStorage.getItem('touchpoint.credential')")).toBeNull();
  });

  it('fits a phone’s width without sideways scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await signIn(t.keys.sales);
    await page.locator('main table tbody tr').first().waitFor();
    const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await accessible('customers on a phone');
    await shoot('customers-phone');
  });
});
