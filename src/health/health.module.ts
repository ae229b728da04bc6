import { Module } from '@nestjs/common';
import { AuditKeyModule } from '../audit/audit.module';
import { QueuesModule } from '../queues/queues.module';
import { HealthController } from './health.controller';

@Module({ imports: [QueuesModule, AuditKeyModule], controllers: [HealthController] })
export class HealthModule {}
