import { Webhook } from 'standardwebhooks';

/**
 * The Standard Webhooks `webhook-signature` header: one `v1,<base64 HMAC-SHA256>` per secret,
 * space-separated (the newest secret first during a rotation's overlap).
 */
export function signatureHeader(secrets: readonly string[], messageId: string, timestampSeconds: number, body: string): string {
  const at = new Date(timestampSeconds * 1000);
  return secrets.map((secret) => new Webhook(secret).sign(messageId, at, body)).join(' ');
}
