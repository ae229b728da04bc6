import { IsIn, IsOptional } from 'class-validator';

/** `GET /v1/audit/verify` query. */
export class VerifyAuditDto {
  /** `true`: also re-hash every stored document against its DocumentAttached event. */
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'documents must be true or false' })
  documents?: 'true' | 'false';
}
