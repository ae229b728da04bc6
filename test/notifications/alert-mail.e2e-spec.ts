import { eventually } from '@app/testing';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { incidentBody } from '../support/requests';
import { createTestApp, type TestApp } from '../support/test-app';

interface ReceivedMail {
  readonly to: string[];
  readonly raw: string;
  readonly accepted: boolean;
}

/** A real SMTP server in the test process: the first message for each recipient gets a 451, the next goes through. */
const received: ReceivedMail[] = [];
const refusedOnce = new Set<string>();
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const to = session.envelope.rcptTo.map((rcpt) => rcpt.address);
      const key = to.join(',');
      const accepted = refusedOnce.has(key);
      received.push({ to, raw: Buffer.concat(chunks).toString('utf8'), accepted });
      if (accepted) return callback();
      refusedOnce.add(key);
      const error = Object.assign(new Error('Greylisted, try again later'), { responseCode: 451 });
      callback(error);
    });
  },
});

let t: TestApp;

beforeAll(async () => {
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const port = (smtp.server.address() as AddressInfo).port;
  t = await createTestApp({
    clock: 'system',
    env: {
      SMTP_URL: `smtp://127.0.0.1:${port}`,
      ALERT_EMAIL_FROM: 'alerts@cdt-fund.example',
      ALERT_EMAIL_TO: 'duty@cdt-fund.example, pager@cdt-fund.example',
      WEBHOOK_RETRY_SCHEDULE: 'PT0.2S,PT0.2S',
    },
  });
});
afterAll(async () => {
  await t.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

function header(raw: string, name: string): string | undefined {
  const match = new RegExp(`^${name}: (.*(?:\\r\\n[ \\t].*)*)`, 'im').exec(raw);
  return match?.[1]?.replace(/\r\n[ \t]/g, ' ');
}

describe('alert e-mail', () => {
  it('mails every alert to each ALERT_EMAIL_TO address, retried after a 451 with the same Message-ID', async () => {
    const partner = await t.token('partner', { country: 'CR', sub: 'cr-csirt' });
    const filed = await t.request({
      method: 'POST',
      url: '/v1/aid-requests',
      headers: { authorization: `Bearer ${partner}` },
      payload: incidentBody({}, { detectedAt: new Date(Date.now() - 60_000).toISOString() }),
    });
    expect(filed.statusCode).toBe(201);
    const requestId: string = filed.json().id;

    const delivered = await eventually(() => {
      const ok = received.filter((mail) => mail.accepted);
      return ok.length >= 2 ? ok : undefined;
    });
    expect(delivered.map((mail) => mail.to[0]).sort()).toEqual(['duty@cdt-fund.example', 'pager@cdt-fund.example']);
    for (const mail of delivered) {
      const subject = header(mail.raw, 'Subject') ?? '';
      expect(subject).toMatch(/^\[CDT P1\] /);
      expect(subject).toContain(requestId);
      expect(header(mail.raw, 'From')).toContain('alerts@cdt-fund.example');
      expect(mail.raw).toContain(requestId);
      expect(mail.raw).toContain('Country:   CR');
      expect(mail.raw).toContain('Urgent incident');
      // No title or description leaves in an alert.
      expect(mail.raw).not.toContain('Ransomware');
      const refused = received.find((other) => !other.accepted && other.to[0] === mail.to[0]);
      expect(refused).toBeDefined();
      expect(header(mail.raw, 'Message-ID')).toMatch(/^<mail_[0-9a-f]{32}@cdt-fund>$/);
      expect(header(refused!.raw, 'Message-ID')).toBe(header(mail.raw, 'Message-ID'));
    }
    const { rows } = await t.pool.query(`SELECT recipient, status, attempts FROM alert_mails WHERE type = 'alert.urgent_incident' ORDER BY recipient`);
    expect(rows).toEqual([
      { recipient: 'duty@cdt-fund.example', status: 'sent', attempts: 2 },
      { recipient: 'pager@cdt-fund.example', status: 'sent', attempts: 2 },
    ]);
    const metrics = await t.request({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/cdt_notification_attempts_total\{channel="email",outcome="retrying"\} 2/);
    expect(metrics.body).toMatch(/cdt_notification_attempts_total\{channel="email",outcome="delivered"\} 2/);
  });
});
