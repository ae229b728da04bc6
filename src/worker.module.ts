import { Module } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { Pool } from 'pg';
import { AidRequestsModule } from './aid-requests/aid-requests.module';
import { AuditModule } from './audit/audit.module';
import { APP_CONFIG, type AppConfig } from './config/app-config';
import { PG_POOL } from './database/pg-pool';
import { PurgeIdempotencyKeysProcessor } from './common/idempotency/purge-idempotency-keys.processor';
import { FundsModule } from './funds/funds.module';
import { DisburseTrancheProcessor } from './funds/jobs/disburse-tranche.processor';
import { SendAlertProcessor } from './notifications/alerts/send-alert.processor';
import { DeliverWebhookProcessor } from './notifications/delivery/deliver-webhook.processor';
import { SendAlertMailProcessor } from './notifications/mail/send-alert-mail.processor';
import { NotificationsWorkerModule } from './notifications/notifications-worker.module';
import { QueueSchedules } from './queues/queue-schedules';
import { QueuesModule } from './queues/queues.module';
import { RedisProbe } from './queues/redis-probe';
import { WorkerHost } from './queues/worker-host';
import type { JobProcessor } from './queues/job-processor';
import type { QueueName } from './queues/queue-definitions';
import { RecoverySweep } from './relay/recovery-sweep';
import { RelayService } from './relay/relay.service';
import { AssessIncidentProcessor } from './triage/jobs/assess-incident.processor';
import { CapacityGrantsProcessor } from './triage/jobs/capacity-grants.processor';
import { SlaProcessor } from './triage/jobs/sla.processor';
import { TriageAidRequestProcessor } from './triage/jobs/triage-aid-request.processor';
import { TriageModule } from './triage/triage.module';

/** One processor per queue (WorkerHost refuses a queue without one, or with two). */
const PROCESSORS = [
  TriageAidRequestProcessor,
  AssessIncidentProcessor,
  CapacityGrantsProcessor,
  SlaProcessor,
  SendAlertProcessor,
  DisburseTrancheProcessor,
  PurgeIdempotencyKeysProcessor,
  DeliverWebhookProcessor,
  SendAlertMailProcessor,
] as const;

/** The worker role: the relay, one processor per queue, and the recurring schedules. */
@Module({
  imports: [AidRequestsModule, AuditModule, FundsModule, QueuesModule, TriageModule, NotificationsWorkerModule],
  providers: [
    RelayService,
    QueueSchedules,
    RecoverySweep,
    DisburseTrancheProcessor,
    PurgeIdempotencyKeysProcessor,
    {
      provide: WorkerHost,
      inject: [APP_CONFIG, PG_POOL, RedisProbe, PinoLogger, ...PROCESSORS],
      useFactory: (config: AppConfig, pool: Pool, redis: RedisProbe, jobLog: PinoLogger, ...processors: JobProcessor<QueueName>[]) =>
        new WorkerHost(config, pool, redis, processors, jobLog),
    },
  ],
  exports: [RelayService],
})
export class WorkerModule {}
