import { ruleViolated } from '@touchpoint/domain';
import { Controller, Get, HttpException, HttpStatus, Inject, NotFoundException, Param, Query, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { DuplicateFinder, IdentityIndexer, KEY_KINDS, type ScanCursor } from '@touchpoint/identity';
import type { FastifyRequest } from 'fastify';
import { Roles } from '../auth';
import { PathParam } from '../http/params';
import { BadRequestProblem } from '../http/problem';
import { CONSISTENCY_WAIT_MS, Consistency } from '../queries/consistency';
import { CustomerDuplicatesQueryDto, DuplicatesScanQueryDto } from './identity.dtos';
import { CsvExport } from '../http/csv';
import { duplicatesTable } from '../http/csv-tables';

export const IDENTITY_INDEXER = Symbol('IDENTITY_INDEXER');
export const DUPLICATE_FINDER = Symbol('DUPLICATE_FINDER');

function decodeCursor(value: string): ScanCursor {
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as unknown;
    if (
      parsed !== null &&
      typeof parsed === 'object' &&
      (KEY_KINDS as readonly string[]).includes((parsed as ScanCursor).kind) &&
      ((parsed as ScanCursor).after === undefined || (typeof (parsed as ScanCursor).after === 'string' && /^[A-Za-z0-9_-]{1,128}$/.test((parsed as ScanCursor).after!)))
    ) {
      return { kind: (parsed as ScanCursor).kind, ...((parsed as ScanCursor).after !== undefined && { after: (parsed as ScanCursor).after }) };
    }
  } catch {
    // fall through
  }
  throw ruleViolated('invalid_cursor', 'cursor is not one this API gave out', 'cursor');
}

const encodeCursor = (cursor: ScanCursor) => Buffer.from(JSON.stringify(cursor)).toString('base64url');

/** Duplicate candidates found through the blind index, scored on the profiles, with their reasons. */
@ApiTags('customers')
@Roles('analyst', 'sales')
@Controller('v1')
export class DuplicatesController {
  constructor(
    @Inject(DUPLICATE_FINDER) private readonly finder: DuplicateFinder,
    @Inject(IDENTITY_INDEXER) private readonly indexer: IdentityIndexer,
    @Inject(CONSISTENCY_WAIT_MS) private readonly waitMs: number,
    private readonly consistency: Consistency,
  ) {}

  /** Read-your-writes for the blind index: wait until it includes the position, else 503. */
  private async indexed(req: FastifyRequest, minPosition?: number): Promise<void> {
    await this.consistency.await(req, minPosition);
    if (minPosition && !(await this.indexer.waitFor(minPosition, this.waitMs))) {
      throw new HttpException(`The duplicate index has reached position ${this.indexer.position}, not yet ${minPosition}. Retry shortly.`, HttpStatus.SERVICE_UNAVAILABLE);
    }
  }

  /** Customers that look like this one: each with a score (0–1) and the reasons (same_email, same_phone, similar_name …). */
  @Get('customers/:id/duplicates')
  async forCustomer(@Param('id', PathParam.uuid('id')) id: string, @Query() q: CustomerDuplicatesQueryDto, @Req() req: FastifyRequest) {
    await this.indexed(req, q.minPosition);
    const candidates = await this.finder.candidatesFor(id, q.minScore ?? 0);
    if (!candidates) throw new NotFoundException(`customer ${id} does not exist (or was erased)`);
    return { customerId: id, candidates };
  }

  /** Every pair of customers sharing a matching key, scored, each pair once; cursor pages. */
  @CsvExport('duplicates', duplicatesTable)
  @Get('duplicates')
  async scan(@Query() q: DuplicatesScanQueryDto, @Req() req: FastifyRequest) {
    await this.indexed(req, q.minPosition);
    const page = await this.finder.scan({ cursor: q.cursor === undefined ? undefined : decodeCursor(q.cursor), limit: q.limit ?? 50, minScore: q.minScore ?? 0.5 });
    return { items: page.pairs, nextCursor: page.next ? encodeCursor(page.next) : null };
  }
}
