import { QueryNumber } from '../http/validators';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { SOURCE_NAME } from './import-jobs';
import { ConsistencyQuery } from '../queries/query.dtos';

export class StartImportQueryDto {
  /** ndjson or csv; defaults from Content-Type (text/csv → csv, else ndjson) */
  @IsOptional() @IsIn(['ndjson', 'csv']) format?: 'ndjson' | 'csv';
  /** The source system's name; source ids are unique within it (default `import`). */
  @IsOptional() @Matches(SOURCE_NAME, { message: 'source must be 1–64 characters of [a-z0-9_.-]' }) source?: string;
  /** Stop after this many rejected lines. */
  @IsOptional() @QueryNumber() @IsInt() @Min(1) @Max(1_000_000_000) maxErrors?: number;
  /** IANA zone for dates written without one, e.g. America/New_York */
  @IsOptional() @IsString() @Length(1, 64) timeZone?: string;
  /** A registration that looks like an existing customer (duplicate score ≥ 0.8): `reject` it as possible_duplicate (default) or `allow` it. */
  @IsOptional() @IsIn(['reject', 'allow']) duplicates?: 'reject' | 'allow';
  /** The CSV column mapping, as JSON (docs/import.md). */
  @IsOptional() @IsString() @Length(2, 4_000) mapping?: string;
}

export class ImportErrorsQueryDto {
  /** line number of the last rejection of the previous page */
  @IsOptional() @QueryNumber() @IsInt() @Min(0) after?: number;
  @IsOptional() @QueryNumber() @IsInt() @Min(1) @Max(1000) limit?: number;
}


export class ListImportsQueryDto extends ConsistencyQuery {
  /** only imports from this source system */
  @IsOptional() @Matches(SOURCE_NAME, { message: 'source must be 1–64 characters of [a-z0-9_.-]' }) source?: string;
  /** only imports that ended so (a running import has neither until it ends) */
  @IsOptional() @IsIn(['completed', 'failed']) status?: 'completed' | 'failed';
  @IsOptional() @QueryNumber() @IsInt() @Min(1) @Max(200) limit?: number;
  @IsOptional() @IsString() @Length(1, 2000) cursor?: string;
}
