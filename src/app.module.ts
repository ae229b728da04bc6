import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { AdminModule } from './admin/admin.module';
import { LoggerModule } from 'nestjs-pino';
import type { Logger as PinoRoot } from 'pino';
import { AidRequestsHttpModule } from './aid-requests/aid-requests-http.module';
import { AuditHttpModule } from './audit/http/audit-http.module';
import { AuthModule } from './auth/auth.module';
import { CommandsModule } from './commands/commands.module';
import { FundsHttpModule } from './funds/funds-http.module';
import { PartnersHttpModule } from './partners/partners-http.module';
import { CommonModule } from './common/common.module';
import { ProblemDetailsFilter } from './common/problem-details.filter';
import type { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { DocumentsModule } from './documents/documents.module';
import { HealthModule } from './health/health.module';
import { createRootLogger, loggerParams } from './logging/logging';
import { MetricsModule } from './metrics/metrics.module';
import { NotificationsHttpModule } from './notifications/notifications-http.module';
import { PersonalDataModule } from './personal-data/personal-data.module';
import { WorkerModule } from './worker.module';

/** The whole application for one process; `config.role` decides which parts run in it. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logger: PinoRoot = createRootLogger(config, false)): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerParams(logger)),
        CqrsModule.forRoot(),
        DatabaseModule,
        CommonModule,
        CommandsModule,
        AuthModule,
        HealthModule,
        MetricsModule,
        ...(config.role === 'worker' ? [] : [PersonalDataModule, AidRequestsHttpModule, FundsHttpModule, PartnersHttpModule, AuditHttpModule, NotificationsHttpModule, DocumentsModule, AdminModule]),
        ...(config.role === 'api' ? [] : [WorkerModule]),
      ],
      providers: [{ provide: APP_FILTER, useClass: ProblemDetailsFilter }],
    };
  }
}
