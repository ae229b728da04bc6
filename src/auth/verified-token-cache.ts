import type { Actor } from './actor';

/**
 * Verified tokens, remembered until they expire, so that a client reusing its token is not
 * re-verified on every request (verification was a sixth of the filing path's CPU). Keyed by the
 * whole token: a token that differs in any byte is verified afresh. Bounded, oldest out first.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, { actor: Actor; expiresAtMs: number }>();

  constructor(private readonly maxEntries = 10_000) {}

  get(token: string, nowMs: number): Actor | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) return undefined;
    if (entry.expiresAtMs <= nowMs) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.actor;
  }

  set(token: string, actor: Actor, expiresAtMs: number): void {
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(token, { actor, expiresAtMs });
  }
}
