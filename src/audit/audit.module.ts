import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { AuditSigningKey } from './audit-signing-key';
import { AuditLedgerRepository } from './ledger/audit-ledger.repository';
import { CheckpointSigner } from './ledger/checkpoint-signer';
import { SealerService } from './sealer.service';

/**
 * The checkpoint signing key, one instance per process: the worker's AuditModule and the API's
 * AuditHttpModule both import this module, so with APP_ROLE=all they share the same key (an
 * ephemeral test key would otherwise differ between them).
 */
@Module({
  providers: [
    {
      provide: AuditSigningKey,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => AuditSigningKey.fromConfig(config),
    },
  ],
  exports: [AuditSigningKey],
})
export class AuditKeyModule {}

/** The worker side of the audit log: the sealer and the checkpoint signing key. */
@Module({
  imports: [AuditKeyModule],
  providers: [SealerService, AuditLedgerRepository, CheckpointSigner],
  exports: [SealerService, AuditKeyModule],
})
export class AuditModule {}
