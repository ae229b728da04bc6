import { Global, Module } from '@nestjs/common';
import { Clock, SystemClock } from './clock';
import { IdempotencyStore } from './idempotency/idempotency.store';
import { IdempotentExecution } from './idempotency/idempotent-execution';
import { IdGenerator, UuidV7Generator } from './ids';

@Global()
@Module({
  providers: [
    { provide: Clock, useClass: SystemClock },
    { provide: IdGenerator, useClass: UuidV7Generator },
    IdempotencyStore,
    IdempotentExecution,
  ],
  exports: [Clock, IdGenerator, IdempotencyStore, IdempotentExecution],
})
export class CommonModule {}
