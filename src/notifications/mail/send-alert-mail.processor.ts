import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { createTransport, type Transporter } from 'nodemailer';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import type { JobProcessor } from '../../queues/job-processor';
import type { JobData } from '../../queues/queue-definitions';
import { DeliveryMetrics } from '../delivery/delivery-metrics';
import { AlertMailStore } from './alert-mail.store';

/**
 * `alert-mail`: sends one alert e-mail to one recipient over SMTP, retried on the webhook
 * schedule, with the same Message-ID on every attempt (a mail server or client that saw it
 * once can drop a repeat).
 */
@Injectable()
export class SendAlertMailProcessor implements JobProcessor<'alert-mail'>, OnModuleDestroy {
  readonly queue = 'alert-mail' as const;
  private readonly transport: Transporter | undefined;
  private readonly from: string;
  private readonly retryDelaysMs: readonly number[];

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly mails: AlertMailStore,
    private readonly metrics: DeliveryMetrics,
  ) {
    const mail = config.notifications.mail;
    this.transport = mail && createTransport(mail.smtpUrl, { connectionTimeout: config.notifications.webhooks.timeoutMs, socketTimeout: config.notifications.webhooks.timeoutMs });
    this.from = mail?.from ?? '';
    this.retryDelaysMs = config.notifications.webhooks.retryDelaysMs;
  }

  backoffDelayMs(attemptsMade: number): number {
    return this.retryDelaysMs[Math.min(attemptsMade, this.retryDelaysMs.length) - 1] ?? 1_000;
  }

  async process(job: Job<JobData<'alert-mail'>>): Promise<void> {
    const mail = await this.mails.find(job.data.mailId);
    if (mail === undefined || mail.status !== 'pending') return;
    if (this.transport === undefined) {
      await this.mails.recordAttempt(mail.id, 'failed', 'SMTP_URL is not set');
      return;
    }
    const started = performance.now();
    const attempt = job.attemptsMade + 1;
    try {
      await this.transport.sendMail({
        from: this.from,
        to: mail.recipient,
        subject: mail.subject,
        text: mail.body,
        messageId: `<${mail.id}@cdt-fund>`,
        headers: { 'X-CDT-Alert': mail.type },
      });
    } catch (error) {
      const last = attempt > this.retryDelaysMs.length;
      const reason = error instanceof Error ? error.message : String(error);
      this.metrics.attempt('email', last ? 'failed' : 'retrying', performance.now() - started);
      await this.mails.recordAttempt(mail.id, last ? 'failed' : 'retrying', reason);
      const message = `alert mail ${mail.id} to ${mail.recipient}: ${reason}`;
      throw last ? new UnrecoverableError(message) : new Error(message);
    }
    this.metrics.attempt('email', 'delivered', performance.now() - started);
    await this.mails.recordAttempt(mail.id, 'sent', null);
  }

  onModuleDestroy(): void {
    this.transport?.close();
  }
}
