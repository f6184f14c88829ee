import type { KeyStore } from '@touchpoint/event-store';
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

export const CALENDAR_TOKENS = Symbol('CALENDAR_TOKENS');

/** The key store subject of the calendar feed key of `version` (a pseudo-subject beside the customers' data keys). */
export const calendarKeySubject = (version: number) => `calendar-feed:v${version}`;

/**
 * Tokens of the iCalendar feeds: HMAC-SHA256(feed key, version + owner), base64url. Calendar apps subscribe to a URL
 * and send no headers, so the token is in the URL; it reveals nothing and cannot be made for another owner without
 * the key. Raising TOUCHPOINT_CALENDAR_KEY_VERSION revokes every feed URL at once.
 */
export class CalendarTokens {
  private readonly key: KeyObject;

  constructor(
    key: Buffer,
    readonly version: number,
  ) {
    this.key = createSecretKey(Buffer.from(key));
  }

  static async load(keys: KeyStore, version: number): Promise<CalendarTokens> {
    const key = await keys.getOrCreate(calendarKeySubject(version));
    if (!key) throw new Error(`calendar feeds: the key of version ${version} was destroyed; raise TOUCHPOINT_CALENDAR_KEY_VERSION`);
    return new CalendarTokens(key, version);
  }

  tokenFor(owner: string): string {
    return `v${this.version}.${createHmac('sha256', this.key).update(`calendar\0${this.version}\0${owner}`, 'utf8').digest('base64url')}`;
  }

  verify(owner: string, token: string): boolean {
    const expected = Buffer.from(this.tokenFor(owner));
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
