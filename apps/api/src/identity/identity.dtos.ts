import { QueryNumber } from '../http/validators';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsInt, IsISO8601, IsNumber, IsOptional, IsString, IsUUID, Length, Max, Min } from 'class-validator';
import { Optional } from '../http/validators';
import { ConsistencyQuery } from '../queries/query.dtos';

export class CustomerDuplicatesQueryDto extends ConsistencyQuery {
  /** only candidates scoring at least this (0–1; default 0) */
  @IsOptional() @QueryNumber() @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(1) minScore?: number;
}

export class DuplicatesScanQueryDto extends ConsistencyQuery {
  /** only pairs scoring at least this (0–1; default 0.5) */
  @IsOptional() @QueryNumber() @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(1) minScore?: number;
  /** pairs per page, at least (a page ends with a whole group of customers sharing a key); 1–200, default 50 */
  @IsOptional() @QueryNumber() @IsInt() @Min(1) @Max(200) limit?: number;
  @IsOptional() @IsString() @Length(1, 500) cursor?: string;
}

export class MergeCustomerDto {
  /** the record to merge into this one */
  @IsUUID() duplicateId: string;
  /** why: kept on both records (personal data: erased with them) */
  @IsString() @Length(1, 500) reason: string;
  /** optional client-chosen merge id; generated when absent */
  @Optional() @IsUUID() mergeId?: string;
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class UndoMergeDto {
  @IsString() @Length(1, 500) reason: string;
  /** touchpoints recorded on the survivor since the merge that belong to the duplicate: they move to it (event ids, at most 1,000) */
  @Optional() @IsArray() @ArrayMaxSize(1000) @IsUUID('all', { each: true }) reassignEventIds?: string[];
  @Optional() @IsISO8601({ strict: true }) occurredAt?: string;
}

export class MergePreviewQueryDto extends ConsistencyQuery {
  /** the record that would be merged in */
  @IsUUID() duplicateId: string;
}
