import { Module } from '@nestjs/common';
import { AuditKeyModule } from '../audit/audit.module';
import { QueuesModule } from '../queues/queues.module';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

@Module({ imports: [QueuesModule, AuditKeyModule], controllers: [MetricsController], providers: [MetricsService], exports: [MetricsService] })
export class MetricsModule {}
