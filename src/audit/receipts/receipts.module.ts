import { Module } from '@nestjs/common';
import { AidRequestsModule } from '../../aid-requests/aid-requests.module';
import { AuditKeyModule } from '../audit.module';
import { FilingReceipts } from './filing-receipts';
import { ReceiptsController } from './receipts.controller';

/** Filing receipts (api role): the filing's Receipt header and GET /v1/aid-requests/:id/receipt. */
@Module({
  imports: [AuditKeyModule, AidRequestsModule],
  controllers: [ReceiptsController],
  providers: [FilingReceipts],
  exports: [FilingReceipts],
})
export class ReceiptsModule {}
