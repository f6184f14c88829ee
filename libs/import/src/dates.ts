import { DateTime, IANAZone } from 'luxon';

/** A date or date-time written without a zone: 1997-01-01, 1997-01-01T10:00, 1997-01-01 10:00:00.5 */
const ZONELESS = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?$/;

export const isTimeZone = (zone: string): boolean => IANAZone.isValidZone(zone);

/**
 * A zone-less local date-time read in `zone` (IANA, e.g. America/New_York), as an ISO instant with the
 * zone's offset. Anything else is returned unchanged, for the usual validation to judge.
 * Local times skipped by a DST change move forward, as luxon does; ambiguous ones take the earlier offset.
 */
export function inZone(value: string, zone: string | undefined): string {
  const m = zone === undefined ? null : ZONELESS.exec(value);
  if (!m) return value;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = ''] = m;
  const dt = DateTime.fromObject(
    { year: +y, month: +mo, day: +d, hour: +h, minute: +mi, second: +s, millisecond: Math.floor(Number(`0.${frac || '0'}`) * 1000) },
    { zone },
  );
  return dt.isValid ? (dt.toISO({ suppressMilliseconds: false }) ?? value) : value;
}

export const isZoneless = (value: string): boolean => ZONELESS.test(value);

/** `value` read with a luxon format (e.g. yyyyMMdd) in `zone`; undefined when it does not match. */
export function parseWithFormat(value: string, format: string, zone: string | undefined): DateTime | undefined {
  const dt = DateTime.fromFormat(value, format, { zone: zone ?? 'UTC', setZone: true });
  return dt.isValid ? dt : undefined;
}
