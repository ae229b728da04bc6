import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { AuditKeyRing } from './audit-key-ring';
import { AuditSigningKey } from './audit-signing-key';
import { AuditLedgerRepository } from './ledger/audit-ledger.repository';
import { CheckpointSigner } from './ledger/checkpoint-signer';
import { SealerService } from './sealer.service';
import { SigningKeyCheck } from './signing-key-check';

/**
 * The checkpoint signing key, one instance per process: the worker's AuditModule and the API's
 * AuditHttpModule both import this module, so with APP_ROLE=all they share the same key (an
 * ephemeral test key would otherwise differ between them). With it, the key ring (the keys of
 * earlier checkpoints, AUDIT_PREVIOUS_PUBLIC_KEYS) and the rotation guard the sealer, the
 * readiness check and the metrics consult.
 */
@Module({
  providers: [
    {
      provide: AuditSigningKey,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => AuditSigningKey.fromConfig(config),
    },
    {
      provide: AuditKeyRing,
      inject: [APP_CONFIG, AuditSigningKey],
      useFactory: (config: AppConfig, key: AuditSigningKey) => AuditKeyRing.fromConfig(config, key),
    },
    SigningKeyCheck,
  ],
  exports: [AuditSigningKey, AuditKeyRing, SigningKeyCheck],
})
export class AuditKeyModule {}

/** The worker side of the audit log: the sealer and the checkpoint signing key. */
@Module({
  imports: [AuditKeyModule],
  providers: [SealerService, AuditLedgerRepository, CheckpointSigner],
  exports: [SealerService, AuditKeyModule],
})
export class AuditModule {}
