import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { incidentBody } from '../support/requests';
import { createTestApp, type TestApp } from '../support/test-app';

const run = promisify(execFile);
/** The repository (npm test runs from it). */
const ROOT = resolve(process.cwd());
const bin = (path: string) => join(ROOT, 'node_modules', path);

/**
 * A client written against types generated (openapi-typescript) from the served document, with
 * openapi-fetch: it type-checks under tsc --strict only if the document describes the routes,
 * bodies, parameters and answers it uses, and then it runs against the service. The
 * `@ts-expect-error` lines prove the types are precise: an unused one fails the type check.
 */
function clientSource(baseUrl: string, tokens: { partner: string; officer: string }, filing: unknown): string {
  return `
import createClient from 'openapi-fetch';
import type { components, paths } from './api.mjs';

const client = createClient<paths>({ baseUrl: ${JSON.stringify(baseUrl)} });
const partner = { authorization: 'Bearer ${tokens.partner}' };
const officer = { authorization: 'Bearer ${tokens.officer}' };
const filing: paths['/v1/aid-requests']['post']['requestBody']['content']['application/json'] = ${JSON.stringify(filing)};

// @ts-expect-error: kind is one of two values
void client.POST('/v1/aid-requests', { body: { ...filing, kind: 'loan' }, headers: partner });
// @ts-expect-error: a claim needs the request's {id}
void client.POST('/v1/aid-requests/{id}/claim', { headers: officer });

const filed = await client.POST('/v1/aid-requests', { body: filing, headers: { ...partner, 'Idempotency-Key': 'typed-client-1' } });
if (filed.data === undefined) throw new Error('filing failed: ' + JSON.stringify(filed.error));
const view: components['schemas']['AidRequestView'] = filed.data;
const id: string = view.id;
const amount: number = filed.data.amountRequested;

let version = filed.data.version;
for (let attempt = 0; attempt < 200; attempt += 1) {
  const read = await client.GET('/v1/aid-requests/{id}', { params: { path: { id } }, headers: officer });
  if (read.data?.status === 'triaged') { version = read.data.version; break; }
  await new Promise((done) => setTimeout(done, 50));
}
const read = await client.GET('/v1/aid-requests/{id}', { params: { path: { id } }, headers: partner });
const track: 'rapid_response' | 'capacity_building' | null | undefined = read.data?.track;

const claimed = await client.POST('/v1/aid-requests/{id}/claim', {
  params: { path: { id }, header: { 'If-Match': '"' + version + '"' } },
  headers: officer,
});
const stale = await client.POST('/v1/aid-requests/{id}/claim', {
  params: { path: { id }, header: { 'If-Match': '"' + version + '"' } },
  headers: officer,
});
const problemStatus: number | undefined = stale.error?.status;

const list = await client.GET('/v1/aid-requests', { params: { query: { status: 'under_review', limit: 10 } }, headers: officer });
const nextCursor: string | null | undefined = list.data?.nextCursor;

console.log(JSON.stringify({
  filed: { status: filed.response.status, id, amount, location: filed.response.headers.get('location') },
  read: { status: read.response.status, requestStatus: read.data?.status, track },
  claimed: { status: claimed.response.status, requestStatus: claimed.data?.status, officer: claimed.data?.assignedOfficer, etag: claimed.response.headers.get('etag') },
  stale: { status: stale.response.status, problemStatus, contentType: stale.response.headers.get('content-type') },
  list: { status: list.response.status, ids: list.data?.items.map((item) => item.id), nextCursor },
}));
`;
}

let t: TestApp;
let dir: string;

beforeAll(async () => {
  t = await createTestApp({ docs: true, clock: 'system' });
  dir = await mkdtemp(join(tmpdir(), 'openapi-client-'));
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
});
afterAll(async () => {
  await t.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a typed client generated from the served OpenAPI document', () => {
  it('type-checks, and files, reads and claims a request through the service', async () => {
    const served = await t.request({ method: 'GET', url: '/docs/json' });
    expect(served.statusCode).toBe(200);
    await writeFile(join(dir, 'openapi.json'), served.body);
    await run(process.execPath, [bin('openapi-typescript/bin/cli.js'), join(dir, 'openapi.json'), '-o', join(dir, 'api.d.mts')], { cwd: dir });

    const tokens = { partner: await t.token('partner', { country: 'CR', sub: 'cr-csirt' }), officer: await t.token('officer', { sub: 'officer-ana' }) };
    const source = clientSource(t.baseUrl, tokens, incidentBody({}, { severity: 'high', sectors: [] }));
    await writeFile(join(dir, 'client.mts'), source);
    const compilerOptions = { noEmit: true, strict: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2022', 'dom'], types: [], skipLibCheck: true };
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['client.mts'] }));
    const check = await run(process.execPath, [bin('typescript/bin/tsc'), '--noEmit', '-p', dir], { cwd: dir }).catch((error: { stdout?: string; message?: string }) => ({ stdout: `tsc failed:\n${error.stdout ?? error.message ?? "no output"}` }));
    expect(check.stdout).toBe('');

    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    await writeFile(join(dir, 'client.mjs'), js);
    const { stdout } = await run(process.execPath, [join(dir, 'client.mjs')], { cwd: dir, timeout: 30_000 });
    const outcome = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');

    expect(outcome.filed).toEqual({ status: 201, id: expect.any(String), amount: 2_500_000, location: `/v1/aid-requests/${outcome.filed.id}` });
    expect(outcome.read).toEqual({ status: 200, requestStatus: 'triaged', track: 'rapid_response' });
    expect(outcome.claimed).toEqual({ status: 200, requestStatus: 'under_review', officer: 'officer-ana', etag: expect.stringMatching(/^"\d+"$/) });
    expect(outcome.stale).toEqual({ status: 412, problemStatus: 412, contentType: expect.stringContaining('application/problem+json') });
    expect(outcome.list).toEqual({ status: 200, ids: [outcome.filed.id], nextCursor: null });
  });
});
