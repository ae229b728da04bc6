import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '../database/pg-pool';
import { AuditKeyRing } from './audit-key-ring';

/** Whether the sealer may sign with the current key, given the key of the last checkpoint. */
export type SigningKeyStatus =
  | { readonly ok: true; readonly keyId: string; readonly lastCheckpointKeyId: string | null }
  | { readonly ok: false; readonly keyId: string; readonly lastCheckpointKeyId: string; readonly error: string };

/**
 * Guards key rotation: a signing key that differs from the last checkpoint's is used only when
 * that checkpoint's key is listed in AUDIT_PREVIOUS_PUBLIC_KEYS. Otherwise every verifier would
 * fail on the older checkpoints (a changed key would read like tampering), so the sealer refuses
 * to sign and /health/ready and the metrics say why until the operator lists the old key (or
 * restores it).
 */
@Injectable()
export class SigningKeyCheck {
  private readonly logger = new Logger('audit');
  /** Once the current key may sign, it stays so: from then on it signs the last checkpoint itself. */
  private allowed = false;
  private reported = false;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly keys: AuditKeyRing,
  ) {}

  async status(): Promise<SigningKeyStatus> {
    const keyId = this.keys.current.keyIdHex;
    const { rows } = await this.pool.query<{ key_id: Buffer }>('SELECT key_id FROM audit_checkpoints ORDER BY tree_size DESC LIMIT 1');
    const last = rows[0]?.key_id.toString('hex') ?? null;
    if (last === null || this.keys.knows(last)) return { ok: true, keyId, lastCheckpointKeyId: last };
    return {
      ok: false,
      keyId,
      lastCheckpointKeyId: last,
      error:
        `refusing to sign audit checkpoints with key ${keyId}: the last checkpoint was signed by key ${last}, ` +
        'which is not listed in AUDIT_PREVIOUS_PUBLIC_KEYS (add its public key there to rotate, or restore that key as AUDIT_SIGNING_KEY)',
    };
  }

  /** Throws SigningKeyRefused when the sealer must not sign; logs the refusal once as an error. */
  async assertMaySign(): Promise<void> {
    if (this.allowed) return;
    const status = await this.status();
    if (status.ok) {
      this.allowed = true;
      return;
    }
    if (!this.reported) {
      this.reported = true;
      this.logger.error(status.error);
    }
    throw new SigningKeyRefused(status.error);
  }
}

/** The sealer may not sign with the configured key (see SigningKeyCheck). */
export class SigningKeyRefused extends Error {
  override readonly name = 'SigningKeyRefused';
}
