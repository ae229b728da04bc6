import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

/** `POST /admin/session`: the admin's bearer token, exchanged for an HttpOnly cookie. */
export class AdminSessionDto {
  @ApiProperty({ description: "an admin's token (JWT), as sent in Authorization: Bearer", maxLength: 8192 })
  @IsString()
  @Length(1, 8192)
  token!: string;
}
