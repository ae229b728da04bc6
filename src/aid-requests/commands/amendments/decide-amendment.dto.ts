import { IsOptional, IsString, Length } from 'class-validator';

/** An officer's decision on an amendment: the reason is required to reject, optional to approve. */
export class ApproveAmendmentDto {
  @IsOptional()
  @IsString()
  @Length(3, 5_000)
  reason?: string;
}

export class RejectAmendmentDto {
  @IsString()
  @Length(3, 5_000)
  reason!: string;
}
