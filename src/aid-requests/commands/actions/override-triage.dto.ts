import { IsIn, IsInt, IsString, Length, Max, Min } from 'class-validator';
import type { Priority } from '../../../kernel/priority';
import { TRACKS, type Track } from '../../../kernel/track';

/** `POST /v1/aid-requests/:id/triage`: an officer's override of the automatic triage. */
export class OverrideTriageDto {
  @IsIn(TRACKS)
  track!: Track;

  @IsInt()
  @Min(1)
  @Max(5)
  priority!: Priority;

  @IsString()
  @Length(3, 2000)
  reason!: string;
}
