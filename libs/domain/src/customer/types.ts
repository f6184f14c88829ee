/** Vocabulary of the customer aggregate (the unified record shared by sales, marketing and service). */
export const CUSTOMER_KINDS = ['person', 'company'] as const;
export type CustomerKind = (typeof CUSTOMER_KINDS)[number];

export const CHANNELS = ['phone', 'email', 'web', 'in_person', 'video', 'chat', 'sms', 'mail', 'fax', 'social'] as const;
export type Channel = (typeof CHANNELS)[number];

export const TOUCHPOINT_TYPES = ['call', 'email', 'web_visit', 'meeting', 'chat', 'sms', 'letter', 'fax'] as const;
export type TouchpointType = (typeof TOUCHPOINT_TYPES)[number];

/** The medium a touchpoint of each type can travel over; the first is the default. */
export const CHANNELS_BY_TOUCHPOINT: Record<TouchpointType, readonly Channel[]> = {
  call: ['phone', 'video'],
  email: ['email'],
  web_visit: ['web'],
  meeting: ['in_person', 'video'],
  chat: ['chat', 'web', 'social'],
  sms: ['sms'],
  letter: ['mail'],
  fax: ['fax'],
};

export const DIRECTIONS = ['inbound', 'outbound'] as const;
export type Direction = (typeof DIRECTIONS)[number];

export const COMPLAINT_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type ComplaintSeverity = (typeof COMPLAINT_SEVERITIES)[number];

export interface Address {
  line1: string;
  line2?: string;
  city: string;
  postalCode?: string;
  region?: string;
  country: string;
}

/** Profile fields a client may change; absent means unchanged, null clears an optional field. */
export interface ProfilePatch {
  name?: string;
  email?: string | null;
  phone?: string | null;
  address?: Address | null;
  company?: string | null;
  tags?: string[];
  owner?: string | null;
}

export interface OrderLine {
  sku: string;
  quantity: number;
  /** minor units per item */
  unitPrice: number;
  /** minor units per item, for gross margin; absent: the source does not know it (margin is then unknown, not zero) */
  unitCost?: number;
}

export interface ReturnedLine {
  sku: string;
  quantity: number;
}
