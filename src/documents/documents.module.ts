import { Module } from '@nestjs/common';
import { AidRequestsModule } from '../aid-requests/aid-requests.module';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DocumentIntegrity } from './document-integrity';
import { DocumentReadModel } from './document-read-model';
import { DocumentsController } from './http/documents.controller';
import { DocumentStore } from './storage/document-store';
import { PgDocumentStore } from './storage/pg-document-store';
import { S3DocumentStore } from './storage/s3-document-store';
import { StagedUploadPurger } from './storage/staged-upload-purger';
import { DocumentAttacher } from './upload/document-attacher';

/** Documents attached to aid requests (api role): the store DOCUMENT_STORE names, upload and download. */
@Module({
  imports: [AidRequestsModule],
  controllers: [DocumentsController],
  providers: [
    PgDocumentStore,
    {
      provide: DocumentStore,
      inject: [APP_CONFIG, PgDocumentStore],
      useFactory: (config: AppConfig, pg: PgDocumentStore): DocumentStore => {
        const s3 = config.documents.s3;
        return config.documents.store === 's3' && s3 !== undefined ? new S3DocumentStore(s3) : pg;
      },
    },
    DocumentReadModel,
    DocumentAttacher,
    DocumentIntegrity,
    StagedUploadPurger,
  ],
  exports: [DocumentStore, DocumentReadModel, DocumentIntegrity],
})
export class DocumentsModule {}
