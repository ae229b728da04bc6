import { Controller, Get, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { Roles } from '../../auth/roles.decorator';
import { decodeCursor, encodeCursor } from '../../common/cursor';
import { DEFAULT_PAGE_SIZE } from '../../common/page-query.dto';
import { ProblemException } from '../../common/problem-details.filter';
import { problem } from '../../common/problem-details';
import { AuditSigningKey } from '../audit-signing-key';
import { GetLatestCheckpointQuery, ListCheckpointsQuery } from './audit-checkpoints.query';
import { ListAuditEventsDto, ListCheckpointsDto } from './audit-query.dto';
import { isSeqCursor, isTreeSizeCursor, type AuditEventView, type CheckpointView } from './audit-views';
import { ListAuditEventsQuery } from './list-audit-events.query';

export interface PublicKeyView {
  readonly keyId: string;
  readonly keyName: string;
  readonly publicKeyPem: string;
}

/** The read side of the sealed audit log (api role). */
@Controller('v1/audit')
export class AuditController {
  constructor(
    private readonly queryBus: QueryBus,
    private readonly key: AuditSigningKey,
  ) {}

  /** The checkpoint-signing public key and its C2SP key id (hex). */
  @Get('public-key')
  @Roles('auditor', 'partner', 'officer', 'admin')
  publicKey(): PublicKeyView {
    return { keyId: this.key.keyIdHex, keyName: this.key.keyName, publicKeyPem: this.key.publicKeyPem };
  }

  @Get('checkpoints/latest')
  @Roles('auditor', 'partner')
  async latestCheckpoint(): Promise<CheckpointView> {
    const checkpoint = await this.queryBus.execute(new GetLatestCheckpointQuery());
    if (checkpoint === undefined) {
      throw new ProblemException(problem(404, 'audit.checkpoint_not_found', 'no checkpoint has been signed yet'));
    }
    return checkpoint;
  }

  /** Checkpoints in ascending tree size, after `after` (a tree size) or the cursor. */
  @Get('checkpoints')
  @Roles('auditor', 'partner')
  async checkpoints(@Query() query: ListCheckpointsDto): Promise<{ items: readonly CheckpointView[]; nextCursor: string | null }> {
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor, isTreeSizeCursor);
    const after = Math.max(cursor?.treeSize ?? -1, query.after ?? -1);
    const page = await this.queryBus.execute(new ListCheckpointsQuery(after, query.limit ?? DEFAULT_PAGE_SIZE));
    return { items: page.items, nextCursor: page.next ? encodeCursor(page.next) : null };
  }

  /** The sealed log in ledger order (seq ascending, gap-free), filtered. */
  @Get('events')
  @Roles('auditor')
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
}
