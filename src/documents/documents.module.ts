import { Module } from '@nestjs/common';
import { AidRequestsModule } from '../aid-requests/aid-requests.module';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DocumentReadModel } from './document-read-model';
import { DocumentsController } from './http/documents.controller';
import { DocumentStore } from './storage/document-store';
import { PgDocumentStore } from './storage/pg-document-store';
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
        if (config.documents.store === 'postgres') return pg;
        throw new Error('DOCUMENT_STORE=s3 is not available in this build');
      },
    },
    DocumentReadModel,
    DocumentAttacher,
  ],
  exports: [DocumentStore, DocumentReadModel],
})
export class DocumentsModule {}
