import { Injectable } from '@nestjs/common';
import { signLedgerCheckpoint } from '@app/event-store';
import { Clock } from '../../common/clock';
import { AuditSigningKey } from '../audit-signing-key';
import type { CheckpointDraft } from './ledger-planner';

/** A checkpoint signed and ready to store. */
export interface SignedCheckpoint extends CheckpointDraft {
  readonly signedAt: Date;
  readonly keyId: Buffer;
  readonly note: string;
}

/** Signs checkpoint drafts as C2SP notes with the audit signing key, dated by the clock. */
@Injectable()
export class CheckpointSigner {
  constructor(
    private readonly key: AuditSigningKey,
    private readonly clock: Clock,
  ) {}

  sign(drafts: readonly CheckpointDraft[]): SignedCheckpoint[] {
    return drafts.map((draft) => {
      const signedAt = this.clock.now();
      const { keyName, privateKey, keyId } = this.key;
      const note = signLedgerCheckpoint({ origin: keyName, ...draft, signedAt }, keyName, privateKey);
      return { ...draft, signedAt, keyId, note };
    });
  }
}
