import { Type } from 'class-transformer';
import { IsISO8601, IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { PageQueryDto } from '../../common/page-query.dto';

/** `GET /v1/audit/events` query: the sealed log after a ledger seq, with optional filters. */
export class ListAuditEventsDto extends PageQueryDto {
  /** Only events with a ledger seq greater than this. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  after?: number;

  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  streamId?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  type?: string;

  /** The acting subject (`metadata.actor.sub`). */
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  actor?: string;

  /** The actor's country or the event's own `country`. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(16)
  country?: string;

  /** recordedAt ≥ from (inclusive). */
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  /** recordedAt < to (exclusive). */
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}

/** `GET /v1/audit/checkpoints` query: checkpoints with a tree size greater than `after`. */
export class ListCheckpointsDto extends PageQueryDto {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  after?: number;
}
