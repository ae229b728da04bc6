import { decodeJwt } from 'jose';
import type { IncomingHttpHeaders } from 'node:http';
import type { Actor } from '../auth/actor';
import { InvalidTokenError, TokenVerificationUnavailableError, type TokenVerifier } from '../auth/token-verifier';

/** The cookie `POST /admin/session` sets: the admin's token itself, HttpOnly, for the dashboard's pages. */
export const ADMIN_SESSION_COOKIE = 'cdt_admin_session';
/** The cookie is sent only to the admin pages. */
export const ADMIN_COOKIE_PATH = '/admin';

export type AdminAccess =
  | { readonly ok: true; readonly actor: Actor; readonly expiresAt: number }
  | { readonly ok: false; readonly status: 401 | 403 | 503; readonly detail: string };

/**
 * Whether `token` belongs to an admin: 401 when it is missing or does not verify, 403 when it is
 * not an admin's, 503 while the identity provider's key set is out of reach.
 */
export async function adminAccess(token: string | undefined, verifier: TokenVerifier): Promise<AdminAccess> {
  if (token === undefined || token === '') return { ok: false, status: 401, detail: 'an admin token is required (Authorization: Bearer, or the session cookie of POST /admin/session)' };
  let actor: Actor;
  try {
    actor = await verifier.verify(token);
  } catch (error) {
    if (error instanceof InvalidTokenError) return { ok: false, status: 401, detail: error.message };
    if (error instanceof TokenVerificationUnavailableError) return { ok: false, status: 503, detail: error.message };
    throw error;
  }
  if (actor.role !== 'admin') return { ok: false, status: 403, detail: `the queue dashboard is for admins; the token's role is ${actor.role}` };
  // Verified above, which requires exp.
  const exp = decodeJwt(token).exp ?? 0;
  return { ok: true, actor, expiresAt: exp * 1000 };
}

/** The bearer token of a request, else its admin session cookie. */
export function adminToken(headers: IncomingHttpHeaders): string | undefined {
  const bearer = headers.authorization === undefined ? null : /^Bearer ([A-Za-z0-9_.~+/=-]+)$/.exec(headers.authorization);
  if (bearer?.[1]) return bearer[1];
  for (const part of (headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === ADMIN_SESSION_COOKIE) return decodeCookieValue(value.join('='));
  }
  return undefined;
}

/** A cookie value as set (percent-encoded); a malformed escape (`%`, `%zz`) is no token at all. */
function decodeCookieValue(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}
