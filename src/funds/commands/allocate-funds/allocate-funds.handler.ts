import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { Clock } from '../../../common/clock';
import { IdGenerator } from '../../../common/ids';
import { FundLedger } from '../../fund-ledger';
import type { FundView } from '../../projections/fund-view';
import { AllocateFundsCommand } from './allocate-funds.command';

@CommandHandler(AllocateFundsCommand)
export class AllocateFundsHandler implements ICommandHandler<AllocateFundsCommand, FundView> {
  constructor(
    private readonly ledger: FundLedger,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {}

  execute({ fiscalYear, dto, actor, meta, idempotency }: AllocateFundsCommand): Promise<FundView> {
    return this.ledger.allocate(
      {
        type: 'AllocateFunds',
        data: { fiscalYear, window: dto.window, amount: BigInt(dto.amount), note: dto.note },
        context: { actor, now: this.clock.now() },
      },
      { actor: { sub: actor.sub, role: actor.role }, correlationId: meta.correlationId, requestId: meta.requestId, commandId: this.ids.newId() },
      idempotency,
    );
  }
}
