import { randomUUID } from 'node:crypto';

/** Injected wherever time or ids are taken, so tests fix them. */
export interface Clock {
  now(): Date;
}
export interface IdGenerator {
  next(): string;
}

export const CLOCK = Symbol('CLOCK');
export const ID_GENERATOR = Symbol('ID_GENERATOR');

export const systemClock: Clock = { now: () => new Date() };
export const randomIds: IdGenerator = { next: () => randomUUID() };
