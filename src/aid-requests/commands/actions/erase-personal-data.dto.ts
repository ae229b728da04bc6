import { IsString, Length, Matches } from 'class-validator';

export class ErasePersonalDataDto {
  /** Why the contact details are erased (the person's request, a retention rule): recorded on PersonalDataErased. */
  @IsString()
  @Length(1, 2_000)
  @Matches(/\S/u, { message: 'reason must not be blank' })
  reason!: string;
}
