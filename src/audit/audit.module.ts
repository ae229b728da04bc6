import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { AuditSigningKey } from './audit-signing-key';
import { SealerService } from './sealer.service';

/** The worker side of the audit log: the sealer and the checkpoint signing key. */
@Module({
  providers: [
    {
      provide: AuditSigningKey,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => AuditSigningKey.fromConfig(config),
    },
    SealerService,
  ],
  exports: [SealerService, AuditSigningKey],
})
export class AuditModule {}
