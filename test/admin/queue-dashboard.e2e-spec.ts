/// <reference lib="dom" />
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { QUEUE_NAMES } from '../../src/queues/queue-definitions';
import { createTestApp, type TestApp } from '../support/test-app';

/*
 * The queue dashboard (Bull Board) at /admin/queues: admins only, by bearer token or by the cookie
 * POST /admin/session sets. Checked over HTTP, then in a real headless Chromium that logs in with
 * the cookie and waits for every queue to be listed under the service's CSP.
 */

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

let t: TestApp;
let admin: string;
let officer: string;

beforeAll(async () => {
  t = await createTestApp({ docs: true, env: { APP_ROLE: 'all' } });
  admin = await t.token('admin', { sub: 'fund-manager' });
  officer = await t.token('officer', { sub: 'officer-ana' });
});
afterAll(async () => {
  await t.close();
});

describe('POST /admin/session', () => {
  it('sets an HttpOnly, SameSite=Strict cookie expiring with an admin token, and answers 204', async () => {
    const response = await t.request({ method: 'POST', url: '/admin/session', payload: { token: admin } });
    expect(response.statusCode).toBe(204);
    const cookie = response.headers['set-cookie']!;
    expect(cookie).toMatch(/^cdt_admin_session=[^;]+; Path=\/admin; Max-Age=\d+; Expires=[^;]+; HttpOnly; SameSite=Strict$/);
    const maxAge = Number(/Max-Age=(\d+)/.exec(cookie)![1]);
    // The development tokens live 8 hours.
    expect(maxAge).toBeGreaterThan(8 * 3600 - 60);
    expect(maxAge).toBeLessThanOrEqual(8 * 3600);
  });

  it('refuses a token that does not verify with 401 and a non-admin with 403, setting no cookie', async () => {
    for (const [token, status] of [
      ['not-a-token', 401],
      [`${admin.slice(0, -4)}AAAA`, 401],
      [officer, 403],
    ] as const) {
      const response = await t.request({ method: 'POST', url: '/admin/session', payload: { token } });
      expect({ status: response.statusCode, cookie: response.headers['set-cookie'] }).toEqual({ status, cookie: undefined });
      expect(response.headers['content-type']).toContain('application/problem+json');
    }
    const empty = await t.request({ method: 'POST', url: '/admin/session', payload: {} });
    expect(empty.statusCode).toBe(400);
  });
});

describe('/admin/queues', () => {
  it('is for admins only: 401 without a token, 403 for another role, 200 by bearer token or by session cookie', async () => {
    expect((await t.request({ method: 'GET', url: '/admin/queues' })).statusCode).toBe(401);
    expect((await t.request({ method: 'GET', url: '/admin/queues/api/queues' })).statusCode).toBe(401);
    expect((await t.request({ method: 'GET', url: '/admin/queues', headers: { authorization: `Bearer ${officer}` } })).statusCode).toBe(403);
    expect((await t.request({ method: 'GET', url: '/admin/queues', headers: { cookie: `cdt_admin_session=${officer}` } })).statusCode).toBe(403);
    const byBearer = await t.request({ method: 'GET', url: '/admin/queues/api/queues', headers: { authorization: `Bearer ${admin}` } });
    expect(byBearer.statusCode).toBe(200);
    expect((byBearer.json().queues as { name: string }[]).map((q) => q.name).sort()).toEqual([...QUEUE_NAMES].sort());
    const session = await t.request({ method: 'POST', url: '/admin/session', payload: { token: admin } });
    const cookie = session.headers['set-cookie']!.split(';')[0]!;
    const page = await t.request({ method: 'GET', url: '/admin/queues', headers: { cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
  });
});

describe("the dashboard's refusals", () => {
  it('are problem+json naming what was not found, keeping the dashboard\'s own error key', async () => {
    const headers = { authorization: `Bearer ${admin}` };
    const queue = await t.request({ method: 'GET', url: '/admin/queues/api/queues/nope/some-job', headers });
    expect(queue.statusCode).toBe(404);
    expect(queue.headers['content-type']).toContain('application/problem+json');
    expect(queue.json()).toEqual({
      type: 'urn:cdt-fund:problem:not_found',
      title: 'Not Found',
      status: 404,
      detail: 'queue not found',
      instance: '/admin/queues/api/queues/nope/some-job',
      error: { key: 'ERRORS.QUEUE_NOT_FOUND' },
    });
    const job = await t.request({ method: 'GET', url: '/admin/queues/api/queues/triage/no-such-job', headers });
    expect(job.statusCode).toBe(404);
    expect(job.headers['content-type']).toContain('application/problem+json');
    expect(job.json()).toMatchObject({ status: 404, detail: 'job not found', error: { key: 'ERRORS.JOB_NOT_FOUND' } });
  });
});

describe('in a real browser', () => {
  let browser: Browser | undefined;
  let profile: string | undefined;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    profile = mkdtempSync(join(tmpdir(), 'cdt-fund-chromium-'));
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${profile}`,
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    if (profile !== undefined) rmSync(profile, { recursive: true, force: true });
  });

  it('logs in with the session cookie and renders the list of every queue under the CSP', async () => {
    const page = await browser!.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    // Before logging in, the dashboard is refused.
    const refused = await page.goto(`${t.baseUrl}/admin/queues`);
    expect(refused?.status()).toBe(401);
    // The login: the page posts the admin token to /admin/session, as a login form would.
    const status = await page.evaluate(async (token: string) => {
      const response = await fetch('/admin/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
      return response.status;
    }, admin);
    expect(status).toBe(204);
    const cookies = await browser!.cookies();
    expect(cookies.find((c) => c.name === 'cdt_admin_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/admin' });

    const dashboard = await page.goto(`${t.baseUrl}/admin/queues`, { waitUntil: 'domcontentloaded' });
    expect(dashboard?.status()).toBe(200);
    await page.waitForFunction(
      (names: readonly string[]) => {
        const links = [...document.querySelectorAll('a')].map((a) => a.getAttribute('href') ?? '');
        return names.every((name) => links.some((href) => href.endsWith(`queue/${name}`)));
      },
      { timeout: 20_000 },
      QUEUE_NAMES,
    );
    const screenshot = join(tmpdir(), `cdt-fund-queue-dashboard-${Date.now()}.png`);
    await page.screenshot({ path: screenshot, fullPage: true });
    process.stdout.write(`queue dashboard screenshot: ${screenshot}\n`);
    // Only the third-party font stylesheet may be refused; every script ran.
    expect(violations.filter((v) => !/fonts\.googleapis\.com/.test(v))).toEqual([]);
  }, 60_000);

  it('renders the OpenAPI UI at /docs under the same CSP', async () => {
    const page = await browser!.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    const docs = await page.goto(`${t.baseUrl}/docs`, { waitUntil: 'domcontentloaded' });
    expect(docs?.status()).toBe(200);
    await page.waitForFunction(() => document.querySelectorAll('.swagger-ui .opblock').length > 10, { timeout: 20_000 });
    const screenshot = join(tmpdir(), `cdt-fund-docs-${Date.now()}.png`);
    await page.screenshot({ path: screenshot });
    process.stdout.write(`OpenAPI UI screenshot: ${screenshot}\n`);
    expect(violations).toEqual([]);
  }, 60_000);
});
