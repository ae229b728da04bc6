import { IsIn, IsOptional, Matches } from 'class-validator';
import { PageQueryDto } from '../../../common/page-query.dto';
import { REQUEST_KINDS, REQUEST_STATUSES } from '../../domain/aid-request.values';
import type { RequestKind, RequestStatus } from '../../domain/aid-request.values';
import { TRACKS, type Track } from '../../../kernel/track';

export class ListAidRequestsDto extends PageQueryDto {
  @IsOptional()
  @IsIn(REQUEST_STATUSES)
  status?: RequestStatus;

  @IsOptional()
  @IsIn(TRACKS)
  track?: Track;

  @IsOptional()
  @IsIn(REQUEST_KINDS)
  kind?: RequestKind;

  @IsOptional()
  @Matches(/^[A-Z]{2}$/, { message: 'country must be an ISO 3166-1 alpha-2 code in capitals' })
  country?: string;
}
