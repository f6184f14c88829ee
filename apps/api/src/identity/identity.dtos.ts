import { Type } from 'class-transformer';
import { IsNumber, IsOptional, IsString, Length, Max, Min, IsInt } from 'class-validator';
import { ConsistencyQuery } from '../queries/query.dtos';

export class CustomerDuplicatesQueryDto extends ConsistencyQuery {
  /** only candidates scoring at least this (0–1; default 0) */
  @IsOptional() @Type(() => Number) @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(1) minScore?: number;
}

export class DuplicatesScanQueryDto extends ConsistencyQuery {
  /** only pairs scoring at least this (0–1; default 0.5) */
  @IsOptional() @Type(() => Number) @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(1) minScore?: number;
  /** pairs per page, at least (a page ends with a whole group of customers sharing a key); 1–200, default 50 */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @IsOptional() @IsString() @Length(1, 500) cursor?: string;
}
