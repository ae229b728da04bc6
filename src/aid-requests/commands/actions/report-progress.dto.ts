import { IsBoolean, IsOptional, IsString, Length } from 'class-validator';

export class ReportProgressDto {
  @IsString()
  @Length(1, 20_000)
  summary!: string;

  @IsOptional()
  @IsBoolean()
  final?: boolean;
}
