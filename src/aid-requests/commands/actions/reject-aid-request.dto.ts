import { IsString, Length } from 'class-validator';

export class RejectAidRequestDto {
  @IsString()
  @Length(3, 5_000)
  reason!: string;
}
