import { Module } from '@nestjs/common';
import { AidRequestsModule } from '../aid-requests/aid-requests.module';
import { ReviewRoundCloser } from './review-round-closer';

/** Quarterly review rounds of capacity-building requests: closing and ranking them when due. */
@Module({
  imports: [AidRequestsModule],
  providers: [ReviewRoundCloser],
  exports: [ReviewRoundCloser],
})
export class ReviewRoundsModule {}
