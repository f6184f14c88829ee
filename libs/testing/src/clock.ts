import type { Clock, IdGenerator } from '@touchpoint/platform';

/** A clock tests move by hand. */
export class FixedClock implements Clock {
  constructor(private current = new Date('2026-01-15T09:00:00.000Z')) {}
  now(): Date {
    return new Date(this.current);
  }
  set(iso: string): void {
    this.current = new Date(iso);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/** Deterministic UUID-shaped ids: 00000000-0000-4000-8000-000000000001, …002, … */
export class SequentialIds implements IdGenerator {
  private n = 0;
  constructor(private readonly prefix = '00000000-0000-4000-8000-') {}
  next(): string {
    this.n += 1;
    return `${this.prefix}${this.n.toString(16).padStart(12, '0')}`;
  }
}
