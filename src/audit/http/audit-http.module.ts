import { Module } from '@nestjs/common';
import { DocumentsModule } from '../../documents/documents.module';
import { AuditKeyModule } from '../audit.module';
import { GetLatestCheckpointHandler, ListCheckpointsHandler } from './audit-checkpoints.query';
import { AuditExporter } from './audit-export';
import { GetConsistencyProofHandler, GetInclusionProofHandler } from './audit-proofs.query';
import { AuditController } from './audit.controller';
import { ListAuditEventsHandler } from './list-audit-events.query';
import { MerkleUpperLevelCache } from './merkle-upper-level-cache';
import { VerifyAuditLogHandler } from './verify-audit-log.query';

/**
 * The audit HTTP API (api role): the sealed log, checkpoints and the public key. Reads only; the
 * key comes from AuditKeyModule, the same instance the worker's sealer signs with.
 */
@Module({
  imports: [AuditKeyModule, DocumentsModule],
  controllers: [AuditController],
  providers: [
    ListAuditEventsHandler,
    GetLatestCheckpointHandler,
    ListCheckpointsHandler,
    GetInclusionProofHandler,
    GetConsistencyProofHandler,
    VerifyAuditLogHandler,
    AuditExporter,
    MerkleUpperLevelCache,
  ],
})
export class AuditHttpModule {}
