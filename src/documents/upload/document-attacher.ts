import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { Pool } from 'pg';
import { aidRequests } from '../../aid-requests/aid-request.aggregate';
import type { AttachDocument } from '../../aid-requests/domain/aid-request.commands';
import type { DocumentAttached } from '../../aid-requests/domain/aid-request.events';
import type { Actor } from '../../auth/actor';
import type { RunOptions } from '../../commands/command-runner';
import type { CommandTrace } from '../../commands/command-trace';
import { ExecuteCommand } from '../../commands/execute-command.command';
import { Clock } from '../../common/clock';
import type { IdempotencyClaim } from '../../common/idempotency/idempotency';
import { IdGenerator } from '../../common/ids';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { PG_POOL } from '../../database/pg-pool';
import { DocumentReadModel } from '../document-read-model';
import type { DocumentView } from '../document-view';
import { DocumentStore } from '../storage/document-store';
import type { ReceivedDocument } from './receive-document';

/**
 * Keeps a received document's bytes under their hash and records DocumentAttached through the
 * command path (so the request's rules apply: its status, the count, who may attach).
 *
 * A store in the event log's database (postgres) keeps the blob in the append's own transaction
 * (BlobUpload.commitEffects): the blob is kept if and only if the event is, and a refused command
 * leaves only the staged bytes, which `abort` removes.
 *
 * A store elsewhere (s3) commits the blob first; if the command is then refused, a blob this upload
 * created is removed again unless a document names it. Uploads of the same bytes take turns from
 * the commit to the end of the append (a session advisory lock per hash, which holds no transaction
 * open): otherwise one upload's clean-up could remove the blob that another, about to append its
 * event, has just found already stored.
 */
@Injectable()
export class DocumentAttacher {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly store: DocumentStore,
    private readonly documents: DocumentReadModel,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * With `idempotency`, the key is claimed and the answer recorded in the transaction that appends
   * DocumentAttached: a duplicate running meanwhile is refused, a retry after a crash finds the
   * document or nothing, never two.
   */
  async attach(requestId: string, actor: Actor, received: ReceivedDocument, trace: CommandTrace, idempotency?: IdempotencyClaim): Promise<DocumentView> {
    const { upload, sha256, size } = received;
    if (upload.commitEffects !== undefined) {
      try {
        const keep = await upload.commitEffects(sha256, size);
        return await this.record(requestId, actor, received, { trace, idempotency, effects: { before: keep } });
      } catch (error) {
        // What is staged goes now (or with the purge of abandoned uploads, if the database is away).
        await upload.abort().catch(() => undefined);
        throw error;
      }
    }
    return this.inTurnWithSameBytes(sha256, async () => {
      const created = await upload.commit(sha256, size);
      try {
        return await this.record(requestId, actor, received, { trace, idempotency });
      } catch (error) {
        if (created && !(await this.documents.isReferenced(sha256))) await this.store.remove(sha256);
        throw error;
      }
    });
  }

  private async record(requestId: string, actor: Actor, received: ReceivedDocument, options: Omit<RunOptions, 'answer'>): Promise<DocumentView> {
    const command: AttachDocument = {
      type: 'AttachDocument',
      data: {
        documentId: this.ids.newId(),
        name: received.name,
        mediaType: received.mediaType,
        size: received.size,
        sha256: received.sha256,
        kind: received.kind,
        tlp: received.tlp,
        maxPerRequest: this.config.documents.maxPerRequest,
      },
      context: { actor, now: this.clock.now() },
    };
    const result = await this.commandBus.execute(
      ExecuteCommand.on(aidRequests, requestId, command, { ...options, answer: (_view, events) => events.find((event) => event.type === 'DocumentAttached')?.data }),
    );
    const attached = result.events.find((event) => event.type === 'DocumentAttached');
    if (attached === undefined) throw new Error('AttachDocument recorded no DocumentAttached event');
    return attached.data as DocumentAttached['data'];
  }

  /** Runs `work` holding the session advisory lock of the blob's hash (`document_blob_lock_key`, which document_blob_keep locks too). */
  private async inTurnWithSameBytes<T>(sha256: string, work: () => Promise<T>): Promise<T> {
    const lock = await this.pool.connect();
    try {
      await lock.query('SELECT pg_advisory_lock(document_blob_lock_key($1))', [sha256]);
      try {
        return await work();
      } finally {
        await lock.query('SELECT pg_advisory_unlock(document_blob_lock_key($1))', [sha256]);
      }
    } finally {
      lock.release();
    }
  }
}
