import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, IsObject, IsOptional, Max, Min, ValidateNested } from 'class-validator';

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
  // An array inside the array passes nested validation untouched: each element must be an object.
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => TrancheDto)
  tranches?: TrancheDto[];
}
