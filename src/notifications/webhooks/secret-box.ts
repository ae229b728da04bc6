import { Inject, Injectable, Logger } from '@nestjs/common';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';

const VERSION = 'v1';

/**
 * Seals webhook signing secrets at rest: AES-256-GCM under WEBHOOK_SECRET_KEY, bound to the
 * endpoint id (a sealed secret copied onto another endpoint does not open).
 */
@Injectable()
export class SecretBox {
  private readonly key: Buffer;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.key = config.notifications.webhooks.secretKey;
    if (config.notifications.webhooks.usingDevelopmentSecretKey && config.nodeEnv === 'development') {
      new Logger('webhooks').warn('WEBHOOK_SECRET_KEY is not set: webhook secrets are sealed with a development key (never do this in production)');
    }
  }

  /** A new secret as the contract spells it: `whsec_` + base64 of 32 random bytes. */
  static newSecret(): string {
    return `whsec_${randomBytes(32).toString('base64')}`;
  }

  seal(endpointId: string, secret: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(endpointId));
    const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${VERSION}.${iv.toString('base64url')}.${sealed.toString('base64url')}`;
  }

  open(endpointId: string, sealed: string): string {
    const [version, iv, body] = sealed.split('.');
    if (version !== VERSION || iv === undefined || body === undefined) throw new Error('not a sealed webhook secret');
    const bytes = Buffer.from(body, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(endpointId));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString('utf8');
  }
}
