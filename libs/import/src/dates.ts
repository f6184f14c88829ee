import { DateTime, IANAZone } from 'luxon';

/** A date or date-time written without a zone: 1997-01-01, 1997-01-01T10:00, 1997-01-01 10:00:00.5 */
const ZONELESS = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?$/;

export const isTimeZone = (zone: string): boolean => IANAZone.isValidZone(zone);

/**
 * A zone-less local date-time read in `zone` (IANA, e.g. America/New_York), as an ISO instant with the
 * zone's offset. Anything else is returned unchanged, for the usual validation to judge.
 * Local times skipped by a DST change move forward, as luxon does; ambiguous ones (the hour repeated when DST ends) take luxon's choice, standard time.
 */
export function inZone(value: string, zone: string | undefined): string {
  const m = zone === undefined ? null : ZONELESS.exec(value);
  if (!m) return value;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = ''] = m;
  const ms = Math.floor(Number(`0.${frac || '0'}`) * 1000);
  // The zone's offset is looked up once per local hour (luxon's lookup is the costly part of an import line).
  const hourKey = `${zone}|${y}-${mo}-${d}T${h}`;
  let offset = offsets.get(hourKey);
  if (offset === undefined) {
    const dt = DateTime.fromObject({ year: +y, month: +mo, day: +d, hour: +h, minute: +mi, second: +s }, { zone });
    if (!dt.isValid || dt.hour !== +h) return dt.isValid ? (dt.set({ millisecond: ms }).toISO() ?? value) : value; // a DST gap: let luxon move it
    offset = dt.offset;
    if (offsets.size >= 100_000) offsets.clear();
    offsets.set(hourKey, offset);
  }
  const local = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s, ms);
  if (new Date(local).getUTCDate() !== +d) return value; // an impossible date: validation will say so
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${new Date(local).toISOString().slice(0, 23)}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** zone|local hour → the zone's UTC offset in minutes then (bounded; cleared when full) */
const offsets = new Map<string, number>();

export const isZoneless = (value: string): boolean => ZONELESS.test(value);

/** `value` read with a luxon format (e.g. yyyyMMdd) in `zone`; undefined when it does not match. */
export function parseWithFormat(value: string, format: string, zone: string | undefined): DateTime | undefined {
  const dt = DateTime.fromFormat(value, format, { zone: zone ?? 'UTC', setZone: true });
  return dt.isValid ? dt : undefined;
}
