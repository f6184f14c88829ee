import { minorUnitDigits } from '@touchpoint/domain';
import type { QuoteDoc } from '@touchpoint/read-models';
import PDFDocument from 'pdfkit';

/** Minor units as the currency writes them (2 decimals for EUR, 0 for JPY), with its code. */
export function formatMoney(minor: number, currency: string): string {
  const digits = minorUnitDigits(currency);
  return `${(minor / 10 ** digits).toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits })} ${currency}`;
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The quote's current version as a printable HTML page: id and version on it, every line with its discounts, totals and tax. */
export function quoteHtml(quote: QuoteDoc): string {
  const t = quote.terms;
  const m = (x: number) => escape(formatMoney(x, t.currency));
  const rows = t.lines
    .map((l) => `<tr><td>${escape(l.sku)}</td><td>${escape(l.name)}</td><td class="n">${l.quantity}</td><td class="n">${m(l.listPrice)}</td><td class="n">${l.tierDiscountPct} %</td><td class="n">${l.discountPct} %</td><td class="n">${m(l.unitPrice)}</td><td class="n">${m(l.lineTotal)}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Quote ${escape(quote.quoteId)} v${t.version}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ccc;padding:4px 8px;text-align:left}.n{text-align:right}</style></head>
<body>
<h1>Quote v${t.version}</h1>
<p>Quote <code>${escape(quote.quoteId)}</code>, version ${t.version}, priced on ${escape(t.pricedOn)} from price list <code>${escape(t.priceListId)}</code> v${t.priceListVersion}; valid until ${escape(t.validUntil)}.</p>
<p>Customer <code>${escape(quote.customerId)}</code> (tier ${escape(t.customerTier || '–')}), deal <code>${escape(quote.dealId)}</code>. Status: ${escape(quote.status)}.</p>
<table><thead><tr><th>SKU</th><th>Item</th><th class="n">Qty</th><th class="n">List price</th><th class="n">Tier discount</th><th class="n">Discount</th><th class="n">Unit price</th><th class="n">Total</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<p class="n">Subtotal ${m(t.subtotal)}<br>Tax ${t.taxRatePct} %: ${m(t.tax)}<br><strong>Total ${m(t.total)}</strong></p>
</body></html>
`;
}

/** The same quote as a PDF (pdfkit, built-in Helvetica). */
export function quotePdf(quote: QuoteDoc): Promise<Buffer> {
  const t = quote.terms;
  const m = (x: number) => formatMoney(x, t.currency);
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', margin: 50, info: { Title: `Quote ${quote.quoteId} v${t.version}`, Producer: 'Touchpoint' } });
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.fontSize(18).text(`Quote v${t.version}`);
    doc.moveDown(0.5).fontSize(9);
    doc.text(`Quote ${quote.quoteId}, version ${t.version}, priced on ${t.pricedOn} from price list ${t.priceListId} v${t.priceListVersion}; valid until ${t.validUntil}.`);
    doc.text(`Customer ${quote.customerId} (tier ${t.customerTier || '-'}), deal ${quote.dealId}. Status: ${quote.status}.`);
    doc.moveDown();
    for (const l of t.lines) {
      doc.text(`${l.sku}  ${l.name}  x${l.quantity}  list ${m(l.listPrice)}  tier -${l.tierDiscountPct}%  discount -${l.discountPct}%  unit ${m(l.unitPrice)}  = ${m(l.lineTotal)}`);
    }
    doc.moveDown();
    doc.text(`Subtotal ${m(t.subtotal)}`);
    doc.text(`Tax ${t.taxRatePct}%: ${m(t.tax)}`);
    doc.fontSize(11).text(`Total ${m(t.total)}`);
    doc.end();
  });
}
