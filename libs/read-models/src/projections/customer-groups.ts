import type { Document } from '../store/port';
import { combineCustomers } from './customer-merge';
import { CUSTOMERS, evolveCustomer360, type CustomerDoc } from './customer-360';
import type { DocumentAccess, ProjectedEvent } from './types';

/**
 * Merged customers. A customer's own events always fold into its own document (its "part"); while records are merged,
 * the survivor's 360 in `customers` is the combination of the parts of its group, and the duplicates have none there.
 * Undoing a merge only stops combining, so both records come back exactly as their own events make them.
 */
export const CUSTOMER_PARTS = 'customer_parts';
export const CUSTOMER_IDENTITY = 'customer_identity';

/** Who a customer record is merged into, and which records it absorbed (merge id → duplicate's id). */
export interface IdentityDoc extends Document {
  mergedInto?: { survivorId: string; mergeId: string };
  absorbed: Record<string, string>;
}

const inGroup = (identity: IdentityDoc | undefined): identity is IdentityDoc => !!identity && (identity.mergedInto !== undefined || Object.keys(identity.absorbed).length > 0);

/** The record a customer id reads as: itself, or the survivor at the end of its chain of merges. */
export function rootOf(customerId: string, read: (id: string) => IdentityDoc | undefined): string {
  let id = customerId;
  // A chain cannot loop (a merge joins two roots), but a bound costs nothing.
  for (let hops = 0; hops < 1000; hops++) {
    const next = read(id)?.mergedInto?.survivorId;
    if (next === undefined) return id;
    id = next;
  }
  return id;
}

/** The records merged into `root`, directly or through a chain, in merge order. */
export function membersOf(root: string, read: (id: string) => IdentityDoc | undefined): string[] {
  const out: string[] = [];
  const visit = (id: string) => {
    for (const member of Object.values(read(id)?.absorbed ?? {})) {
      out.push(member);
      visit(member);
    }
  };
  visit(root);
  return out;
}

const identityOf = (docs: DocumentAccess, id: string) => docs.read<IdentityDoc>(CUSTOMER_IDENTITY, id);

/** Writes the root's 360 as the combination of its group's parts (or its own part, once alone again). */
function recompose(docs: DocumentAccess, root: string, position: number): void {
  const survivor = docs.read<CustomerDoc>(CUSTOMER_PARTS, root);
  if (!survivor) return;
  const members = membersOf(root, (id) => identityOf(docs, id));
  if (members.length === 0 && !identityOf(docs, root)?.mergedInto) {
    // Alone again: its part is its 360 (with its own last segment, until the next ranking).
    docs.update<CustomerDoc>(CUSTOMERS, root, () => ({ ...survivor, _position: Math.max(survivor._position, position) }));
    docs.remove(CUSTOMER_PARTS, root);
    return;
  }
  const others = members.map((id) => docs.read<CustomerDoc>(CUSTOMER_PARTS, id)).filter((d): d is CustomerDoc => d !== undefined);
  const combined = combineCustomers(survivor, others);
  docs.update<CustomerDoc>(CUSTOMERS, root, (existing) => ({ ...combined, _position: Math.max(combined._position, position), segment: existing?.segment ?? combined.segment }));
}

function setIdentity(docs: DocumentAccess, id: string, position: number, change: (doc: IdentityDoc) => IdentityDoc): void {
  docs.update<IdentityDoc>(CUSTOMER_IDENTITY, id, (doc) => ({ ...change(doc ? { ...doc, absorbed: { ...doc.absorbed } } : { _id: id, _position: 0, absorbed: {} }), _position: position }));
}

/** Moves a customer's 360 to its part, the first time it joins a group. */
function ensurePart(docs: DocumentAccess, id: string): void {
  if (inGroup(identityOf(docs, id))) return;
  const own = docs.read<CustomerDoc>(CUSTOMERS, id);
  if (own) docs.update<CustomerDoc>(CUSTOMER_PARTS, id, () => own);
}

/**
 * Applies one customer event with merges in mind. The merge and its undoing take effect on the survivor's copy of
 * the event (its stream is the commit point); the duplicate's copy only marks its own document as seen.
 */
export function applyCustomerEvent(event: ProjectedEvent, docs: DocumentAccess): void {
  const customerId = (event.data as { customerId: string }).customerId;
  const position = event.globalPosition;
  if (event.type === 'CustomerMerged' && event.data.customerId === event.data.survivorId) {
    const { survivorId, duplicateId, mergeId } = event.data;
    const current = identityOf(docs, survivorId);
    if (current && current._position >= position) return; // redelivered
    ensurePart(docs, survivorId);
    ensurePart(docs, duplicateId);
    docs.update<CustomerDoc>(CUSTOMER_PARTS, survivorId, (part) => part && evolveCustomer360(part, event));
    setIdentity(docs, survivorId, position, (doc) => ({ ...doc, absorbed: { ...doc.absorbed, [mergeId]: duplicateId } }));
    setIdentity(docs, duplicateId, position, (doc) => ({ ...doc, mergedInto: { survivorId, mergeId } }));
    docs.remove(CUSTOMERS, duplicateId);
    recompose(docs, rootOf(survivorId, (id) => identityOf(docs, id)), position);
    return;
  }
  if (event.type === 'CustomerUnmerged' && event.data.customerId === event.data.survivorId) {
    const { survivorId, duplicateId, mergeId } = event.data;
    const current = identityOf(docs, survivorId);
    if (!current || current._position >= position || current.absorbed[mergeId] === undefined) return;
    docs.update<CustomerDoc>(CUSTOMER_PARTS, survivorId, (part) => part && evolveCustomer360(part, event));
    setIdentity(docs, survivorId, position, (doc) => {
      const { [mergeId]: _undone, ...absorbed } = doc.absorbed;
      return { ...doc, absorbed };
    });
    setIdentity(docs, duplicateId, position, (doc) => {
      const { mergedInto: _m, ...rest } = doc;
      return rest as IdentityDoc;
    });
    // Both sides are roots of their own groups again (the survivor's may itself be merged further up).
    recompose(docs, rootOf(survivorId, (id) => identityOf(docs, id)), position);
    recompose(docs, duplicateId, position);
    for (const id of [survivorId, duplicateId]) if (!inGroup(identityOf(docs, id))) docs.remove(CUSTOMER_IDENTITY, id);
    return;
  }
  const identity = identityOf(docs, customerId);
  if (!inGroup(identity)) {
    docs.update<CustomerDoc>(CUSTOMERS, customerId, (doc) => evolveCustomer360(doc, event));
    return;
  }
  docs.update<CustomerDoc>(CUSTOMER_PARTS, customerId, (doc) => evolveCustomer360(doc, event));
  recompose(docs, rootOf(customerId, (id) => identityOf(docs, id)), position);
}

