/** Money and dates in the viewer's locale; amounts arrive in minor units with an ISO 4217 currency. */

export function money(minor: number | null | undefined, currency: string | null | undefined): string {
  if (minor === null || minor === undefined || !currency) return '–';
  return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(minor / 10 ** minorDigits(currency));
}

/** Digits of the currency's minor unit (2 for EUR, 0 for JPY); 2 for a code the browser does not know. */
export function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** An amount typed in major units (12.50) as the API's minor units; '' when there is none to send. */
export function toMinor(typed: string, currency: string): string {
  const n = Number(typed.trim().replace(',', '.'));
  if (typed.trim() === '' || !Number.isFinite(n)) return typed.trim();
  return String(Math.round(n * 10 ** minorDigits(currency || 'EUR')));
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

export function date(iso: string | null | undefined): string {
  if (!iso) return '–';
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' }).format(new Date(iso));
}

export function percent(share: number): string {
  return new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 }).format(share);
}

export function count(n: number): string {
  return new Intl.NumberFormat().format(n);
}

/** CSV (RFC 4180) of rows, offered as a download: every chart's numbers one click away. */
export function csv(header: string[], rows: Array<Array<string | number | null>>): string {
  const cell = (v: string | number | null) => {
    // A text cell a spreadsheet would run as a formula is kept as text (CSV injection).
    const s = v === null ? '' : typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${v}` : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
