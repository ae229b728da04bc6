import { Readable } from 'node:stream';
import { Controller, Get, Inject, Param, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { LedgerMismatch, LedgerVerification } from '@app/event-store';
import type { FastifyReply } from 'fastify';
import type { Actor } from '../../auth/actor';
import { CurrentActor } from '../../auth/current-actor.decorator';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Public, Roles } from '../../auth/roles.decorator';
import { decodeCursor, encodeCursor } from '../../common/cursor';
import { DEFAULT_PAGE_SIZE } from '../../common/page-query.dto';
import { ProblemException } from '../../common/problem-details.filter';
import { problem } from '../../common/problem-details';
import { AuditKeyRing, type AuditPublicKeyView } from '../audit-key-ring';
import { AuditSigningKey } from '../audit-signing-key';
import { GetLatestCheckpointQuery, ListCheckpointsQuery } from './audit-checkpoints.query';
import { AuditExporter } from './audit-export';
import { ConsistencyProofDto, InclusionProofDto } from './audit-proofs.dto';
import {
  GetConsistencyProofQuery,
  GetInclusionProofQuery,
  type ConsistencyProofView,
  type InclusionProofView,
  type ProofFailure,
} from './audit-proofs.query';
import { ListAuditEventsDto, ListCheckpointsDto } from './audit-query.dto';
import { isSeqCursor, isTreeSizeCursor, type AuditEventView, type CheckpointView } from './audit-views';
import { ListAuditEventsQuery } from './list-audit-events.query';
import { VerifyAuditLogQuery } from './verify-audit-log.query';
import { VerifyAuditDto } from './verify-audit.dto';
import { DocumentIntegrity } from '../../documents/document-integrity';
import { ApiProblems, ApiQueryParams, pageSchema } from '../../http/api-docs';
import {
  AUDIT_EVENT_SCHEMA,
  CHECKPOINT_SCHEMA,
  CONSISTENCY_PROOF_SCHEMA,
  INCLUSION_PROOF_SCHEMA,
  PUBLIC_KEY_SCHEMA,
  VERIFICATION_SCHEMA,
} from './audit.openapi';

export interface PublicKeyView {
  readonly keyId: string;
  readonly keyName: string;
  readonly publicKeyPem: string;
}

/** `GET /v1/audit/verify`: the log's verification, and with `?documents=true` the documents' too. */
export type AuditVerificationView = Omit<LedgerVerification, 'firstMismatch'> & {
  readonly firstMismatch?: LedgerMismatch | { readonly documentId: string; readonly reason: string };
  readonly verifiedDocuments?: number;
};

/** The read side of the sealed audit log (api role). */
@ApiTags('audit')
@Controller('v1/audit')
export class AuditController {
  constructor(
    private readonly queryBus: QueryBus,
    private readonly key: AuditSigningKey,
    private readonly keys: AuditKeyRing,
    private readonly exporter: AuditExporter,
    private readonly documentIntegrity: DocumentIntegrity,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Says when the first checkpoint will come, so that "not found" is not read as "broken". */
  private noCheckpointYet(): string {
    const { checkpointIntervalMs, checkpointMaxEvents } = this.config.audit;
    return (
      `no checkpoint has been signed yet: the sealer signs the first one ${checkpointIntervalMs / 1000} s after ` +
      `the first events (CHECKPOINT_INTERVAL_MS), or as soon as ${checkpointMaxEvents} events wait (CHECKPOINT_MAX_EVENTS)`
    );
  }

  /** The checkpoint-signing public key and its C2SP key id (hex); no token needed, so that anyone can verify. */
  @Get('public-key')
  @Public()
  @ApiOperation({ summary: 'The current checkpoint-signing key (no token needed)' })
  @ApiOkResponse({ schema: PUBLIC_KEY_SCHEMA })
  publicKey(): PublicKeyView {
    return { keyId: this.key.keyIdHex, keyName: this.key.keyName, publicKeyPem: this.key.publicKeyPem };
  }

  /**
   * Every key whose checkpoints this log vouches for: the current one and those of earlier
   * checkpoints (AUDIT_PREVIOUS_PUBLIC_KEYS); no token needed.
   */
  @Get('public-keys')
  @Public()
  @ApiOperation({
    summary: 'Every checkpoint-signing key (no token needed)',
    description:
      'The current key (current: true) and the keys of earlier checkpoints (AUDIT_PREVIOUS_PUBLIC_KEYS). ' +
      "A checkpoint's keyId names one of them; verifiers accept a checkpoint by any listed key.",
  })
  @ApiOkResponse({
    schema: {
      type: 'object',
      required: ['items'],
      properties: {
        items: {
          type: 'array',
          items: {
            type: 'object',
            required: ['keyId', 'keyName', 'publicKeyPem', 'current'],
            properties: {
              keyId: { type: 'string', pattern: '^[0-9a-f]{8}$', description: 'C2SP key id, hex' },
              keyName: { type: 'string', example: 'cdt-fund/audit-log' },
              publicKeyPem: { type: 'string', description: 'Ed25519 public key, SPKI PEM' },
              current: { type: 'boolean', description: 'true for the key that signs new checkpoints' },
            },
          },
        },
      },
    },
  })
  publicKeys(): { items: AuditPublicKeyView[] } {
    return { items: this.keys.views() };
  }

  /** Checkpoints are public, like the keys: an outside verifier needs no token. */
  @Get('checkpoints/latest')
  @Public()
  @ApiOperation({ summary: 'The latest signed checkpoint (no token needed)' })
  @ApiOkResponse({ schema: CHECKPOINT_SCHEMA })
  @ApiProblems([404, 'no checkpoint has been signed yet; the detail says when the first will come'])
  async latestCheckpoint(): Promise<CheckpointView> {
    const checkpoint = await this.queryBus.execute(new GetLatestCheckpointQuery());
    if (checkpoint === undefined) {
      throw new ProblemException(problem(404, 'audit.checkpoint_not_found', this.noCheckpointYet()));
    }
    return checkpoint;
  }

  /** RFC 9162 consistency proof between two checkpoints' tree sizes (from ≤ to). */
  @Get('checkpoints/consistency')
  @Public()
  @ApiOperation({ summary: 'RFC 9162 consistency proof between two checkpoints’ tree sizes (no token needed)' })
  @ApiQueryParams(ConsistencyProofDto)
  @ApiOkResponse({ schema: CONSISTENCY_PROOF_SCHEMA })
  @ApiProblems([400, 'from/to missing, not integers, or from > to'], [404, 'no checkpoint has that tree size'])
  async consistencyProof(@Query() query: ConsistencyProofDto): Promise<ConsistencyProofView> {
    const result = await this.queryBus.execute(new GetConsistencyProofQuery(query.from, query.to));
    if (!result.ok) throw proofProblem(result.reason);
    return result.value;
  }

  /** Checkpoints in ascending tree size, after `after` (a tree size) or the cursor. */
  @Get('checkpoints')
  @Public()
  @ApiOperation({ summary: 'Signed checkpoints in ascending tree size (no token needed)' })
  @ApiQueryParams(ListCheckpointsDto)
  @ApiOkResponse({ schema: pageSchema(CHECKPOINT_SCHEMA) })
  @ApiProblems([400, 'a limit, after or cursor that is not valid'])
  async checkpoints(@Query() query: ListCheckpointsDto): Promise<{ items: readonly CheckpointView[]; nextCursor: string | null }> {
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor, isTreeSizeCursor);
    const after = Math.max(cursor?.treeSize ?? -1, query.after ?? -1);
    const page = await this.queryBus.execute(new ListCheckpointsQuery(after, query.limit ?? DEFAULT_PAGE_SIZE));
    return { items: page.items, nextCursor: page.next ? encodeCursor(page.next) : null };
  }

  /** The sealed log in ledger order (seq ascending, gap-free), filtered. */
  @Get('events')
  @Roles('auditor')
  @ApiOperation({ summary: 'The sealed log in ledger order, filtered (auditor)' })
  @ApiQueryParams(ListAuditEventsDto)
  @ApiOkResponse({ schema: pageSchema(AUDIT_EVENT_SCHEMA) })
  @ApiProblems([400, 'a filter, limit or cursor that is not valid, or from after to'])
  async events(@Query() query: ListAuditEventsDto): Promise<{ items: readonly AuditEventView[]; nextCursor: string | null }> {
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor, isSeqCursor);
    const from = query.from === undefined ? undefined : new Date(query.from);
    const to = query.to === undefined ? undefined : new Date(query.to);
    if (from !== undefined && to !== undefined && from.getTime() > to.getTime()) {
      throw new ProblemException(
        problem(400, 'audit.invalid_range', '`from` must not be after `to`', { errors: [{ field: 'from', message: 'must not be after to' }] }),
      );
    }
    const page = await this.queryBus.execute(
      new ListAuditEventsQuery(
        {
          afterSeq: Math.max(cursor?.seq ?? -1, query.after ?? -1),
          streamId: query.streamId,
          type: query.type,
          actor: query.actor,
          country: query.country,
          from,
          to,
        },
        query.limit ?? DEFAULT_PAGE_SIZE,
      ),
    );
    return { items: page.items, nextCursor: page.next ? encodeCursor(page.next) : null };
  }

  /**
   * RFC 9162 inclusion proof of the event at a global position against a checkpoint. A partner
   * gets proofs only for its own country's events; any other is "not found", as an unknown one.
   */
  @Get('events/:position/proof')
  @Roles('auditor', 'partner')
  @ApiOperation({ summary: 'RFC 9162 inclusion proof of an event (auditor; a partner: its own country’s events)' })
  @ApiParam({ name: 'position', description: 'the event’s global position', schema: { type: 'integer', minimum: 0 } })
  @ApiQueryParams(InclusionProofDto)
  @ApiOkResponse({ schema: INCLUSION_PROOF_SCHEMA })
  @ApiProblems(400, [404, 'no sealed event at that position (or not the partner’s), no checkpoint of that size, or the event is not in that tree'])
  async inclusionProof(
    @Param('position') position: string,
    @Query() query: InclusionProofDto,
    @CurrentActor() actor: Actor,
  ): Promise<InclusionProofView> {
    if (!/^\d{1,15}$/.test(position)) throw proofProblem('event_not_found');
    const country = actor.role === 'partner' ? actor.country : undefined;
    const result = await this.queryBus.execute(new GetInclusionProofQuery(Number(position), query.treeSize, country));
    if (!result.ok) throw proofProblem(result.reason);
    return result.value;
  }

  /**
   * Re-hashes the whole stored log against the ledger and every signed checkpoint; 200 either way,
   * `ok: false` with the first mismatch when the stored log was tampered with.
   */
  @Get('verify')
  @Roles('auditor')
  @ApiOperation({ summary: 'Re-hash the stored log against the ledger and every checkpoint (auditor); 200 either way' })
  @ApiQueryParams(VerifyAuditDto)
  @ApiOkResponse({ schema: VERIFICATION_SCHEMA })
  @ApiProblems(400)
  async verify(@Query() query: VerifyAuditDto): Promise<AuditVerificationView> {
    const ledger = await this.queryBus.execute(new VerifyAuditLogQuery());
    if (query.documents !== 'true') return ledger;
    // `?documents=true`: also every stored document against its DocumentAttached event; the log's own first mismatch comes first.
    const documents = await this.documentIntegrity.verify();
    const firstMismatch = ledger.firstMismatch ?? documents.firstMismatch;
    return { ...ledger, ok: ledger.ok && documents.ok, verifiedDocuments: documents.verifiedDocuments, ...(firstMismatch === undefined ? {} : { firstMismatch }) };
  }

  /** The sealed log as streamed NDJSON, with the checkpoints after the events completing them. */
  @Get('export')
  @Roles('auditor')
  @ApiOperation({ summary: 'The sealed log as NDJSON: event lines, each checkpoint after the events it completes (auditor)' })
  @ApiProduces('application/x-ndjson')
  @ApiOkResponse({ description: 'one JSON object a line', schema: { type: 'string' } })
  async export(@Res() reply: FastifyReply): Promise<void> {
    const stream = Readable.from(this.exporter.lines(), { objectMode: false });
    await reply.header('content-type', 'application/x-ndjson; charset=utf-8').send(stream);
  }
}

function proofProblem(reason: ProofFailure): ProblemException {
  switch (reason) {
    case 'invalid_range':
      return new ProblemException(
        problem(400, 'audit.invalid_range', '`from` must not be greater than `to`', {
          errors: [{ field: 'from', message: 'must not be greater than to' }],
        }),
      );
    case 'checkpoint_not_found':
      return new ProblemException(problem(404, 'audit.checkpoint_not_found', 'no checkpoint has that tree size'));
    case 'event_not_found':
      return new ProblemException(problem(404, 'audit.event_not_found', 'no sealed event at that position'));
    case 'not_in_tree':
      return new ProblemException(problem(404, 'audit.event_not_in_tree', 'the event is not in the tree of that size'));
  }
}
