import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsString,
  Length,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { AMENDMENT_TYPES, type AmendmentType } from '../../domain/amendment.events';
import type { FieldProblem } from '@app/event-store/decider';
import { TrancheDto } from '../actions/approve-aid-request.dto';

/** The field each amendment type takes besides `reason`. */
export const AMENDMENT_FIELDS = { no_cost_extension: 'months', budget_revision: 'tranches', cost_increase: 'amount', scope_change: 'description' } as const satisfies Record<
  AmendmentType,
  keyof ProposeAmendmentDto
>;

/**
 * `type` says which of the other fields the amendment takes (validated only for that type); `reason`
 * always. A field of another type is refused by the controller (see foreignFieldProblems).
 */
export class ProposeAmendmentDto {
  @IsIn(AMENDMENT_TYPES)
  type!: AmendmentType;

  @IsString()
  @Length(3, 5_000)
  reason!: string;

  /** no_cost_extension: how many months the grant period grows by. */
  @ValidateIf((o: ProposeAmendmentDto) => o.type === 'no_cost_extension')
  @IsInt()
  @Min(1)
  @Max(24)
  months?: number;

  /** budget_revision: the new split of what is not yet disbursed (same total). */
  @ValidateIf((o: ProposeAmendmentDto) => o.type === 'budget_revision')
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => TrancheDto)
  tranches?: TrancheDto[];

  /** cost_increase: cents added to the grant. */
  @ValidateIf((o: ProposeAmendmentDto) => o.type === 'cost_increase')
  @IsInt()
  @Min(1)
  @Max(10_000_000_000)
  amount?: number;

  /** scope_change: the grant's new scope. */
  @ValidateIf((o: ProposeAmendmentDto) => o.type === 'scope_change')
  @IsString()
  @Length(3, 20_000)
  description?: string;
}

/** Fields of other amendment types than the one given: each a problem naming it. */
export function foreignFieldProblems(dto: ProposeAmendmentDto): FieldProblem[] {
  return Object.entries(AMENDMENT_FIELDS)
    .filter(([type, field]) => type !== dto.type && dto[field] !== undefined)
    .map(([type, field]) => ({ field, message: `${field} belongs to a ${type} amendment only` }));
}
