import { IsOptional, IsString, MaxLength } from 'class-validator';

export class WithdrawAidRequestDto {
  @IsOptional()
  @IsString()
  @MaxLength(5_000)
  reason?: string;
}
