import { Controller, Get, Inject, Param, ParseUUIDPipe, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiParam, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { canonicalJson } from '@app/event-store';
import { AidRequestViewStore } from '../../aid-requests/projections/aid-request-view.store';
import type { AidRequestView } from '../../aid-requests/projections/aid-request-view';
import { AidRequestId, notFound } from '../../aid-requests/queries/aid-request-id.param';
import { canSee } from '../../aid-requests/queries/visibility';
import type { Actor } from '../../auth/actor';
import { CurrentActor } from '../../auth/current-actor.decorator';
import { Roles } from '../../auth/roles.decorator';
import { IdempotentExecution, idempotencyKeyOf } from '../../common/idempotency/idempotent-execution';
import { ProblemException } from '../../common/problem-details.filter';
import { problem, problemType } from '../../common/problem-details';
import { CurrentRequestMeta, type RequestMeta } from '../../common/request-meta';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { mayReadContent } from '../document-access';
import { DocumentReadModel } from '../document-read-model';
import { documentLocation, type DocumentView } from '../document-view';
import { DocumentStore } from '../storage/document-store';
import { DocumentAttacher } from '../upload/document-attacher';
import { receiveDocument } from '../upload/receive-document';
import { LOCATION_HEADER } from '../../http/api-docs';
import { DOCUMENT_SCHEMA, DOCUMENT_LIST_SCHEMA, PROBLEM_SCHEMA, UPLOAD_SCHEMA } from './documents.openapi';

/** An upload's status stops it: no document may be added (answered before the body is read). */
const CLOSED_TO_DOCUMENTS = new Set(['rejected', 'withdrawn', 'closed']);

const DocumentId = () => Param('documentId', new ParseUUIDPipe({ exceptionFactory: () => documentNotFound() }));

/** Documents attached to aid requests: upload (streamed), metadata, and content under TLP rules. */
@ApiTags('documents')
@Controller('v1/aid-requests')
export class DocumentsController {
  constructor(
    private readonly views: AidRequestViewStore,
    private readonly documents: DocumentReadModel,
    private readonly store: DocumentStore,
    private readonly attacher: DocumentAttacher,
    private readonly idempotent: IdempotentExecution,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Attach a document (multipart/form-data: one file part named `file`, optional `kind` and
   * `tlp`). Streamed: hashed and stored as it arrives; the media type is detected from the bytes.
   */
  @Post(':id/documents')
  @Roles('partner', 'officer')
  @ApiParam({ name: 'id', format: 'uuid', description: 'the aid request' })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: UPLOAD_SCHEMA })
  @ApiResponse({ status: 201, description: 'the document, with Location', schema: DOCUMENT_SCHEMA, headers: LOCATION_HEADER })
  @ApiResponse({ status: 400, description: 'no file part, several, an empty file, or a bad kind/tlp', schema: PROBLEM_SCHEMA })
  @ApiResponse({ status: 404, description: 'no such request, or another country’s', schema: PROBLEM_SCHEMA })
  @ApiResponse({ status: 409, description: 'the request is rejected, withdrawn or closed, or has DOCUMENT_MAX_PER_REQUEST documents', schema: PROBLEM_SCHEMA })
  @ApiResponse({ status: 413, description: 'over DOCUMENT_MAX_BYTES', schema: PROBLEM_SCHEMA })
  @ApiResponse({ status: 415, description: 'content of a type not accepted', schema: PROBLEM_SCHEMA })
  async upload(
    @AidRequestId() id: string,
    @CurrentActor() actor: Actor,
    @CurrentRequestMeta() meta: RequestMeta,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    try {
      // A malformed key is refused before the body is read.
      idempotencyKeyOf(request);
      const view = await this.visibleRequest(id, actor);
      if (CLOSED_TO_DOCUMENTS.has(view.status)) {
        throw new ProblemException(problem(409, 'aid_request.wrong_status', `cannot attach a document: the request is ${view.status}`));
      }
      if (!request.isMultipart()) {
        throw new ProblemException(
          problem(400, 'document.invalid', 'send multipart/form-data with one file part named "file"', {
            errors: [{ field: 'file', message: 'a file part named "file" is required' }],
          }),
        );
      }
      const maxBytes = this.config.documents.maxBytes;
      const parts = request.parts({ limits: { fileSize: maxBytes + 1, files: 2, fields: 4, parts: 6, fieldSize: 1024, headerPairs: 64 } });
      const received = await receiveDocument(parts, this.store, maxBytes);

      // The key covers what was uploaded: the same file under the same key is the same request.
      const requestHash = createHash('sha256')
        .update(canonicalJson({ name: received.name, sha256: received.sha256, kind: received.kind, tlp: received.tlp }))
        .digest('hex');
      let attaching = false;
      try {
        const result = await this.idempotent.run(
          request,
          actor,
          `POST /v1/aid-requests/${id}/documents`,
          201,
          (claim) => {
            attaching = true;
            return this.attacher.attach(id, actor, received, meta, claim);
          },
          { requestHash },
        );
        const document = result.body as DocumentView;
        void reply.status(result.status).header('location', documentLocation(id, document.id));
        if (result.replayed) void reply.header('idempotent-replayed', 'true');
        await reply.send(document);
      } finally {
        // A replay (or a refusal before the attach) keeps nothing of this upload.
        if (!attaching) await received.upload.abort();
      }
    } catch (error) {
      // The rest of a refused upload is not read: close the connection rather than drain it.
      void reply.header('connection', 'close');
      throw error;
    }
  }

  /** The request's documents, oldest first (metadata and hashes; no content). */
  @Get(':id/documents')
  @Roles('partner', 'officer', 'auditor')
  @ApiParam({ name: 'id', format: 'uuid', description: 'the aid request' })
  @ApiResponse({ status: 200, schema: DOCUMENT_LIST_SCHEMA })
  @ApiResponse({ status: 404, schema: PROBLEM_SCHEMA })
  async list(@AidRequestId() id: string, @CurrentActor() actor: Actor): Promise<{ items: DocumentView[] }> {
    await this.visibleRequest(id, actor);
    return { items: await this.documents.list(id) };
  }

  /** One document's metadata and hash. */
  @Get(':id/documents/:documentId')
  @Roles('partner', 'officer', 'auditor')
  @ApiParam({ name: 'id', format: 'uuid', description: 'the aid request' })
  @ApiParam({ name: 'documentId', format: 'uuid' })
  @ApiResponse({ status: 200, schema: DOCUMENT_SCHEMA })
  @ApiResponse({ status: 404, schema: PROBLEM_SCHEMA })
  async get(@AidRequestId() id: string, @DocumentId() documentId: string, @CurrentActor() actor: Actor): Promise<DocumentView> {
    await this.visibleRequest(id, actor);
    const document = await this.documents.get(id, documentId);
    if (document === undefined) throw documentNotFound();
    return document;
  }

  /**
   * The document's bytes, streamed, with `ETag: "<sha256>"` and `Repr-Digest`. AMBER+STRICT and RED
   * content only to the filing country's partners and the assigned officer (RED: and the uploader).
   */
  @Get(':id/documents/:documentId/content')
  @Roles('partner', 'officer', 'auditor')
  @ApiParam({ name: 'id', format: 'uuid', description: 'the aid request' })
  @ApiParam({ name: 'documentId', format: 'uuid' })
  @ApiProduces('application/octet-stream')
  @ApiResponse({ status: 200, description: 'the bytes, with Content-Type = mediaType', schema: { type: 'string', format: 'binary' } })
  @ApiResponse({ status: 403, description: 'TLP: type ending /tlp-restricted', schema: PROBLEM_SCHEMA })
  @ApiResponse({ status: 404, schema: PROBLEM_SCHEMA })
  async content(
    @AidRequestId() id: string,
    @DocumentId() documentId: string,
    @CurrentActor() actor: Actor,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const view = await this.visibleRequest(id, actor);
    const document = await this.documents.get(id, documentId);
    if (document === undefined) throw documentNotFound();
    if (!mayReadContent(actor, document, view)) {
      throw new ProblemException({
        ...problem(403, 'document.tlp_restricted', `the content of a TLP:${document.tlp} document is not shared with you; its metadata and hash are`),
        type: `${problemType('document')}/tlp-restricted`,
      });
    }
    const content = await this.store.open(document.sha256);
    if (content === undefined) {
      throw new ProblemException(problem(404, 'document.content_missing', 'the document’s content is missing from the store; auditors: /v1/audit/verify?documents=true'));
    }
    await reply
      .status(200)
      .header('content-type', document.mediaType)
      .header('content-length', String(document.size))
      .header('content-disposition', `attachment; filename*=UTF-8''${encodeRfc5987(document.name)}`)
      .header('etag', `"${document.sha256}"`)
      .header('repr-digest', `sha-256=:${Buffer.from(document.sha256, 'hex').toString('base64')}:`)
      .header('x-content-type-options', 'nosniff')
      .send(content);
  }

  private async visibleRequest(id: string, actor: Actor): Promise<AidRequestView> {
    const view = await this.views.findById(id);
    if (view === undefined || !canSee(actor, view.country)) throw notFound(id);
    return view;
  }
}

function documentNotFound(): ProblemException {
  return new ProblemException(problem(404, 'document.not_found', 'the document does not exist on this request'));
}

/** RFC 8187 value characters: percent-encode the rest of the UTF-8 bytes. */
function encodeRfc5987(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/gu, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
