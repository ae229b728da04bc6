import { IsString, Length } from 'class-validator';

export class RequestInformationDto {
  @IsString()
  @Length(3, 5_000)
  question!: string;
}
