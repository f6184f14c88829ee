import { Logger } from '@nestjs/common';
import { DomainError, type CreateTask } from '@touchpoint/domain';
import { CUSTOMER_IDENTITY, CUSTOMERS, FOLLOW_UPS, rootOf, type CustomerBody, type FindQuery, type FollowUpDoc, type IdentityDoc, type ReadStore } from '@touchpoint/read-models';
import type { Clock } from '@touchpoint/platform';
import type { CommandContext, CommandResult } from '@touchpoint/application';
import { v5 as uuidv5 } from 'uuid';

export interface FollowUpSettings {
  /** an inbound contact without an answer for this long gets a follow-up task */
  afterMs: number;
  /** contacts older than this are not followed up (they were missed before the process watched them) */
  maxAgeMs: number;
  /** who gets the task when the customer has no owner */
  fallbackAssignee: string;
  /** contacts read per page; a run pages through every contact due */
  batch: number;
  /** follow-up tasks created at once (each is its own stream, so they never conflict); default 128 */
  concurrency?: number;
}

/** Fixed namespace of follow-up task ids: the same contact gives the same task id in every process and after restarts. */
const FOLLOW_UP_NAMESPACE = '2d3c9f0e-8b6a-5e41-a7d2-4c1b9e8f0a63';
export const followUpTaskId = (contactEventId: string) => uuidv5(`follow-up:${contactEventId}`, FOLLOW_UP_NAMESPACE);
export const FOLLOW_UP_ACTOR = 'system:follow-up';

/**
 * Nothing falls through: reads the contacts still waiting for an answer (the tasks projection keeps them) and, for
 * each one whose answer window has passed, creates a follow-up task for the customer's owner, caused by the contact.
 * The task id is derived from the contact's event id, so a replay, a restart or a second process creating the same
 * task is refused by the store (`task_exists`) and nothing is doubled; the task's TaskCreated ends the wait.
 */
export class FollowUpProcess {
  private readonly logger = new Logger('follow-up');
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly readStore: ReadStore,
    private readonly execute: (command: CreateTask, context: CommandContext) => Promise<CommandResult>,
    private readonly clock: Clock,
    private readonly settings: FollowUpSettings,
  ) {}

  start(everyMs: number): void {
    if (everyMs <= 0) return;
    this.timer = setInterval(() => void this.runOnce().catch((error) => this.logger.error({ msg: 'follow-up run failed', error: String(error) })), everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass over the contacts whose window has passed; answers how many tasks it created. One pass at a time. */
  runOnce(): Promise<number> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  /**
   * Pages through every contact whose window has passed, oldest first, with a keyset cursor (the read model still
   * lists contacts this run has just answered), creating their tasks `concurrency` at a time so that their appends
   * share commits: one run clears any backlog instead of taking a page a minute.
   */
  private async pass(): Promise<number> {
    const now = this.clock.now();
    const due = new Date(now.getTime() - this.settings.afterMs).toISOString();
    const oldest = new Date(now.getTime() - this.settings.maxAgeMs).toISOString();
    const width = Math.max(1, this.settings.concurrency ?? 128);
    let created = 0;
    let after: FindQuery['after'];
    do {
      const page = await this.readStore.find<FollowUpDoc>(FOLLOW_UPS, {
        filter: [
          { field: 'at', op: 'gte', value: oldest },
          { field: 'at', op: 'lte', value: due },
        ],
        sort: [{ field: 'at', direction: 'asc' }],
        limit: this.settings.batch,
        after,
      });
      // `width` workers take the page's contacts in turn: the store commits whatever appends are waiting together.
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(width, page.items.length) }, async () => {
          while (next < page.items.length) if (await this.followUp(page.items[next++], now)) created++;
        }),
      );
      after = page.next;
    } while (after);
    if (created > 0) this.logger.log({ msg: 'follow-up tasks created', created });
    return created;
  }

  private async followUp(contact: FollowUpDoc, now: Date): Promise<boolean> {
    const customerId = await this.recordOf(contact.customerId);
    const customer = await this.readStore.get<CustomerBody>(CUSTOMERS, customerId);
    const complaint = contact.type === 'ComplaintFiled';
    const command: CreateTask = {
      type: 'CreateTask',
      data: {
        taskId: followUpTaskId(contact.eventId),
        customerId,
        kind: contact.touchpointType === 'call' ? 'call' : contact.touchpointType === 'email' ? 'email' : 'todo',
        title: complaint ? `Answer complaint ${contact.complaintId}` : `Answer the inbound ${contact.touchpointType.replace('_', ' ')} of ${contact.at.slice(0, 16).replace('T', ' ')} UTC`,
        assignee: customer?.owner || this.settings.fallbackAssignee,
        priority: complaint ? 'high' : 'normal',
        dueAt: now.toISOString(),
        causedBy: { eventId: contact.eventId, type: contact.type },
        occurredAt: now.toISOString(),
        actor: FOLLOW_UP_ACTOR,
        mayActForOthers: true,
      },
    };
    try {
      await this.execute(command, { actor: FOLLOW_UP_ACTOR, correlationId: contact.correlationId ?? contact.eventId, causationId: contact.eventId });
      return true;
    } catch (error) {
      // Created already (another process, or before a restart): its TaskCreated ends the wait.
      if (error instanceof DomainError && error.code === 'task_exists') return false;
      this.logger.warn({ msg: 'follow-up task not created', contact: contact.eventId, customerId, error: error instanceof DomainError ? error.code : String(error) });
      return false;
    }
  }

  /** A merged record's follow-up goes to the record it was merged into. */
  private async recordOf(customerId: string): Promise<string> {
    const identities = new Map<string, IdentityDoc | undefined>();
    let id: string | undefined = customerId;
    for (let hops = 0; id !== undefined && hops < 100; hops++) {
      const doc: IdentityDoc | undefined = await this.readStore.get<IdentityDoc>(CUSTOMER_IDENTITY, id);
      identities.set(id, doc);
      id = doc?.mergedInto?.survivorId;
    }
    return rootOf(customerId, (x) => identities.get(x));
  }
}
