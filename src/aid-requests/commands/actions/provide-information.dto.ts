import { IsString, Length } from 'class-validator';

export class ProvideInformationDto {
  @IsString()
  @Length(1, 20_000)
  answer!: string;
}
