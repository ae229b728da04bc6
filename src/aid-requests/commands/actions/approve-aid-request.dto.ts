import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, IsOptional, Max, Min, ValidateNested } from 'class-validator';

export class TrancheDto {
  @IsInt()
  @Min(1)
  @Max(10_000_000_000)
  amount!: number;
}

export class ApproveAidRequestDto {
  @IsInt()
  @Min(1)
  @Max(10_000_000_000)
  amountApproved!: number;

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => TrancheDto)
  tranches?: TrancheDto[];
}
