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
  ValidateBy,
  ValidateIf,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import { AMENDMENT_TYPES, type AmendmentType } from '../../domain/amendment.events';
import { TrancheDto } from '../actions/approve-aid-request.dto';

/** A field that belongs to one amendment type: given with another type, it is a 400 naming it. */
function OnlyFor(type: AmendmentType, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'onlyFor',
      validator: {
        validate: (_value, args) => (args?.object as { type?: unknown } | undefined)?.type === type,
        defaultMessage: (args) => `${args?.property ?? 'this field'} belongs to a ${type} amendment only`,
      },
    },
    options,
  );
}

/** `type` says which of the other fields the amendment takes; `reason` always. */
export class ProposeAmendmentDto {
  @IsIn(AMENDMENT_TYPES)
  type!: AmendmentType;

  @IsString()
  @Length(3, 5_000)
  reason!: string;

  /** no_cost_extension: how many months the grant period grows by. */
  @ValidateIf((o: ProposeAmendmentDto) => o.type === 'no_cost_extension' || o.months !== undefined)
  @OnlyFor('no_cost_extension')
  @IsInt()
  @Min(1)
  @Max(24)
  months?: number;

  /** budget_revision: the new split of what is not yet disbursed (same total). */
  @ValidateIf((o: ProposeAmendmentDto) => o.type === 'budget_revision' || o.tranches !== undefined)
  @OnlyFor('budget_revision')
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => TrancheDto)
  tranches?: TrancheDto[];

  /** cost_increase: cents added to the grant. */
  @ValidateIf((o: ProposeAmendmentDto) => o.type === 'cost_increase' || o.amount !== undefined)
  @OnlyFor('cost_increase')
  @IsInt()
  @Min(1)
  @Max(10_000_000_000)
  amount?: number;

  /** scope_change: the grant's new scope. */
  @ValidateIf((o: ProposeAmendmentDto) => o.type === 'scope_change' || o.description !== undefined)
  @OnlyFor('scope_change')
  @IsString()
  @Length(3, 20_000)
  description?: string;
}
