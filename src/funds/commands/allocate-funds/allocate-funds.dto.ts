import { IsIn, IsInt, IsString, Length, Max, Min } from 'class-validator';
import { FUND_WINDOWS, type FundWindow } from '../../domain/fund.values';

export class AllocateFundsDto {
  @IsIn(FUND_WINDOWS)
  window!: FundWindow;

  /** Cents, added to the window's allocation. */
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  amount!: number;

  @IsString()
  @Length(1, 2_000)
  note!: string;
}
