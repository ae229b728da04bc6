import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
  IsDefined,
  Matches,
} from 'class-validator';
import { ACTION_AREAS, REQUEST_KINDS, SECTORS, SEVERITIES } from '../../domain/aid-request.values';
import type { ActionArea, RequestKind, Sector, Severity } from '../../domain/aid-request.values';
import { TLP_LABELS, type Tlp } from '../../../kernel/tlp';

export class IncidentDto {
  @IsIn(SEVERITIES)
  severity!: Severity;

  @IsBoolean()
  ongoing!: boolean;

  @IsISO8601({ strict: true, strictSeparator: true })
  @Matches(/T.*(Z|[+-]\d{2}:?\d{2})$/, { message: 'detectedAt must be a date-time with a UTC offset, e.g. 2026-11-27T08:00:00Z' })
  detectedAt!: string;

  @IsArray()
  @ArrayMaxSize(10)
  @IsIn(SECTORS, { each: true })
  sectors!: Sector[];
}

export class MilestoneDto {
  @IsString()
  @Length(1, 200)
  title!: string;

  @IsInt()
  @Min(1)
  @Max(10_000_000_000)
  amount!: number;
}

export class CapacityDto {
  @IsInt()
  @Min(1)
  @Max(60)
  durationMonths!: number;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @IsIn(SECTORS, { each: true })
  sectors?: Sector[];

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  // An array inside the array passes nested validation untouched: each element must be an object.
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => MilestoneDto)
  milestones!: MilestoneDto[];
}

export class ContactDto {
  @IsString()
  @Length(1, 200)
  name!: string;

  @IsEmail()
  @Length(3, 320)
  email!: string;
}

/** `POST /v1/aid-requests`: a partner files for its own country (the country comes from the token). */
export class FileAidRequestDto {
  @IsIn(REQUEST_KINDS)
  kind!: RequestKind;

  @IsString()
  @Length(5, 200)
  title!: string;

  @IsString()
  @Length(20, 10_000)
  description!: string;

  @IsIn(ACTION_AREAS)
  actionArea!: ActionArea;

  @IsInt()
  @Min(1)
  @Max(10_000_000_000)
  amountRequested!: number;

  @ValidateIf((dto: FileAidRequestDto) => dto.kind === 'incident_response')
  @IsDefined({ message: 'incident is required when kind is incident_response' })
  @IsObject()
  @ValidateNested()
  @Type(() => IncidentDto)
  incident?: IncidentDto;

  @ValidateIf((dto: FileAidRequestDto) => dto.kind === 'capacity_building')
  @IsDefined({ message: 'capacity is required when kind is capacity_building' })
  @IsObject()
  @ValidateNested()
  @Type(() => CapacityDto)
  capacity?: CapacityDto;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ContactDto)
  contact?: ContactDto;

  /** FIRST TLP 2.0 label of the filing (default AMBER). */
  @IsOptional()
  @IsIn(TLP_LABELS, { message: `tlp must be one of ${TLP_LABELS.join(', ')}` })
  tlp?: Tlp;
}
