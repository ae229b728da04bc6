/**
 * `npm run bench:documents` — uploads and downloads of 1 MiB and 20 MiB documents at concurrency 4
 * against the app with each store (DOCUMENT_STORE=postgres, then s3 against an s3rver started
 * here), beside a bare @fastify/multipart handler that streams the file to /dev/null (the
 * baseline), measured in the same run, one target after the other, each in its own process.
 * Progress goes to stderr; the last stdout line is
 *   {"bench":"documents","upload_mib_s":N,"download_mib_s":N,"baseline_mib_s":N,"ratio":N,"peak_rss_mib":N}
 * with the postgres store's figures (the default store); the line before it has every figure.
 * `peak_rss_mib` is the largest peak resident set (VmHWM) of the app processes.
 *
 * Every upload must answer 201 with the right size and SHA-256, and every download must return the
 * uploaded bytes (checked by hash); otherwise the benchmark exits 1.
 *
 * Knobs: BENCH_CONCURRENCY (4), BENCH_SMALL_COUNT (40 uploads of 1 MiB), BENCH_LARGE_COUNT (8 of
 * 20 MiB), BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres),
 * BENCH_ENFORCE_TARGETS=1 (exit 1 when upload ratio < 0.5 or peak RSS ≥ 300 MiB), BENCH_STORES
 * (`postgres,s3`; `postgres` alone skips the s3 store).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { mintToken } from '../src/auth/dev-token';
import { appChildEnv, baseChildEnv, freePort, spawnNode, waitForHttpOk, type ChildService } from './support/child-service';
import { databaseUrl, dropDatabase } from './support/pg-admin';
import { deleteRedisKeys } from './support/redis-cleanup';
import { intFromEnv } from './support/env';
import { log } from './support/report';

const MIB = 1024 * 1024;
const CONCURRENCY = intFromEnv('BENCH_CONCURRENCY', 4);
const SIZES = [
  { bytes: 1 * MIB, count: intFromEnv('BENCH_SMALL_COUNT', 40) },
  { bytes: 20 * MIB, count: intFromEnv('BENCH_LARGE_COUNT', 8) },
];
const SERVER_URL = process.env['BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ENFORCE_TARGETS = process.env['BENCH_ENFORCE_TARGETS'] === '1';
/** `postgres` alone skips the s3 store (for quick comparisons). */
const WITH_S3 = (process.env['BENCH_STORES'] ?? 'postgres,s3').split(',').includes('s3');
const TARGET_RATIO = 0.5;
const TARGET_RSS_MIB = 300;
const RUN_ID = randomBytes(4).toString('hex');
const QUEUE_PREFIX = `bench-documents-${RUN_ID}`;
const SECRET = randomBytes(32).toString('hex');
const BOUNDARY = 'benchdocumentsboundary';

/** The file bodies: a PDF header and incompressible filler; each upload stamps its own number so no two are the same bytes. */
const FILLER = randomBytes(20 * MIB);

function documentBytes(size: number, n: number): Buffer {
  const bytes = Buffer.from(FILLER.subarray(0, size));
  bytes.write(`%PDF-1.7\n% upload ${RUN_ID} ${n}\n`, 0, 'latin1');
  return bytes;
}

interface Transfer {
  readonly status: number;
  readonly body: string;
}

function uploadOnce(origin: string, path: string, token: string, file: Buffer): Promise<Transfer> {
  const head = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="evidence.pdf"\r\nContent-Type: application/pdf\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${origin}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
        'content-length': String(head.length + file.length + tail.length),
      },
    });
    req.on('error', reject);
    req.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (c: string) => (body += c));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.write(head);
    // 256 KiB writes, as a client streaming from disk would.
    let offset = 0;
    const pump = (): void => {
      while (offset < file.length) {
        const end = Math.min(offset + 256 * 1024, file.length);
        const more = req.write(file.subarray(offset, end));
        offset = end;
        if (!more) {
          req.once('drain', pump);
          return;
        }
      }
      req.end(tail);
    };
    pump();
  });
}

function downloadOnce(origin: string, path: string, token: string): Promise<{ status: number; sha256: string; size: number }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${origin}${path}`, { headers: { authorization: `Bearer ${token}` } });
    req.on('error', reject);
    req.on('response', (response) => {
      const hash = createHash('sha256');
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        size += chunk.length;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, sha256: hash.digest('hex'), size }));
    });
    req.end();
  });
}

/** Runs `task(i)` for i in 0..count-1 with `CONCURRENCY` at a time; returns the elapsed seconds. */
async function concurrently(count: number, task: (i: number) => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** The peak resident set of a process (VmHWM), in MiB. */
function peakRssMib(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmHWM:\s+(\d+) kB/u.exec(status);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

interface Figures {
  upload_mib_s: number;
  download_mib_s: number | null;
  per_size: Record<string, { upload_mib_s: number; download_mib_s: number | null }>;
  peak_rss_mib: number;
}

const round = (value: number): number => Number(value.toFixed(1));

async function benchTarget(name: string, child: ChildService, origin: string, uploadPath: string, token: string, download: boolean): Promise<Figures> {
  let counter = 0;
  let totalBytes = 0;
  let totalUpload = 0;
  let totalDownloadBytes = 0;
  let totalDownload = 0;
  const perSize: Figures['per_size'] = {};
  for (const { bytes, count } of SIZES) {
    const uploaded: { location: string; sha256: string }[] = [];
    const seconds = await concurrently(count, async () => {
      const file = documentBytes(bytes, counter++);
      const sha256 = createHash('sha256').update(file).digest('hex');
      const response = await uploadOnce(origin, uploadPath, token, file);
      if (response.status !== 201) throw new Error(`[${name}] upload answered ${response.status}: ${response.body.slice(0, 300)}`);
      const body = JSON.parse(response.body) as { id?: string; size?: number; sha256?: string };
      if (body.size !== undefined && body.size !== bytes) throw new Error(`[${name}] upload stored ${body.size} bytes, sent ${bytes}`);
      if (body.sha256 !== undefined && body.sha256 !== sha256) throw new Error(`[${name}] upload hashed to ${body.sha256}, sent ${sha256}`);
      if (body.id !== undefined) uploaded.push({ location: `${uploadPath}/${body.id}/content`, sha256 });
    });
    const uploadRate = (bytes * count) / MIB / seconds;
    totalBytes += bytes * count;
    totalUpload += seconds;
    log(`[${name}] upload ${bytes / MIB} MiB × ${count} at concurrency ${CONCURRENCY}: ${seconds.toFixed(2)} s, ${uploadRate.toFixed(1)} MiB/s; peak RSS so far ${peakRssMib(child.pid).toFixed(0)} MiB`);
    let downloadRate: number | null = null;
    if (download) {
      const downloadSeconds = await concurrently(uploaded.length, async (i) => {
        const { location, sha256 } = uploaded[i]!;
        const got = await downloadOnce(origin, location, token);
        if (got.status !== 200 || got.sha256 !== sha256) throw new Error(`[${name}] download of ${location} answered ${got.status} with other bytes`);
      });
      downloadRate = (bytes * uploaded.length) / MIB / downloadSeconds;
      totalDownloadBytes += bytes * uploaded.length;
      totalDownload += downloadSeconds;
      log(`[${name}] download ${bytes / MIB} MiB × ${uploaded.length}: ${downloadSeconds.toFixed(2)} s, ${downloadRate.toFixed(1)} MiB/s; peak RSS so far ${peakRssMib(child.pid).toFixed(0)} MiB`);
    }
    perSize[`${bytes / MIB}MiB`] = { upload_mib_s: round(uploadRate), download_mib_s: downloadRate === null ? null : round(downloadRate) };
  }
  return {
    upload_mib_s: round(totalBytes / MIB / totalUpload),
    download_mib_s: download ? round(totalDownloadBytes / MIB / totalDownload) : null,
    per_size: perSize,
    peak_rss_mib: round(peakRssMib(child.pid)),
  };
}

async function benchApp(store: 'postgres' | 's3', s3Env: Record<string, string>): Promise<Figures> {
  const database = databaseUrl(SERVER_URL, `cdt_fund_bench_documents_${RUN_ID}_${store}`);
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'cdt-fund-bench-documents-'));
  const child = spawnNode({
    name: `app-${store}`,
    entry: join(__dirname, '..', 'src', 'main.js'),
    env: appChildEnv({
      role: 'api',
      port,
      databaseUrl: database,
      queuePrefix: QUEUE_PREFIX,
      jwtSecret: SECRET,
      dataDir,
      extra: { DOCUMENT_STORE: store, ...(store === 's3' ? s3Env : {}) },
    }),
  });
  try {
    await waitForHttpOk(`${origin}/health/ready`, child);
    log(`[app-${store}] ready; peak RSS ${peakRssMib(child.pid).toFixed(0)} MiB`);
    const token = await mintToken(new TextEncoder().encode(SECRET), { sub: 'bench-partner-cr', role: 'partner', country: 'CR' });
    const filed = await fetch(`${origin}/v1/aid-requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        kind: 'incident_response',
        title: 'Ransomware on customs and tax systems',
        description: 'Customs and tax systems encrypted; operations halted since this morning.',
        actionArea: 'countering_threats',
        amountRequested: 2500000,
        incident: { severity: 'critical', ongoing: true, detectedAt: '2026-11-27T08:00:00Z', sectors: ['government'] },
      }),
    });
    if (filed.status !== 201) throw new Error(`filing answered ${filed.status}: ${await filed.text()}`);
    const { id } = (await filed.json()) as { id: string };
    return await benchTarget(`app-${store}`, child, origin, `/v1/aid-requests/${id}/documents`, token, true);
  } finally {
    await child.stop();
    await dropDatabase(database).catch((error: unknown) => log(`could not drop ${database}: ${String(error)}`));
    // The queues' meta keys the API's producers wrote (BullMQ wraps the prefix in braces).
    // The app's Redis is appChildEnv's default.
    await deleteRedisKeys('redis://127.0.0.1:6379', `{${QUEUE_PREFIX}}:`).catch((error: unknown) => log(`could not clean Redis: ${String(error)}`));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function benchBaseline(): Promise<Figures> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const child = spawnNode({
    name: 'baseline',
    entry: join(__dirname, 'documents-baseline', 'main.js'),
    env: { ...baseChildEnv(), PORT: String(port), HOST: '127.0.0.1' },
  });
  try {
    await waitForHttpOk(`${origin}/health`, child);
    return await benchTarget('baseline', child, origin, '/upload', 'none', false);
  } finally {
    await child.stop();
  }
}

async function main(): Promise<void> {
  log(`documents benchmark ${RUN_ID}: concurrency ${CONCURRENCY}, ${SIZES.map((s) => `${s.count} × ${s.bytes / MIB} MiB`).join(', ')}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const s3Directory = mkdtempSync(join(tmpdir(), 'cdt-fund-bench-s3-'));
  const s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: s3Directory, configureBuckets: [{ name: 'documents', configs: [] }] });
  const address: AddressInfo = await s3.run();
  const s3Env = {
    S3_BUCKET: 'documents',
    S3_ENDPOINT: `http://127.0.0.1:${address.port}`,
    S3_REGION: 'us-east-1',
    S3_FORCE_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
  };
  let baseline: Figures;
  let postgres: Figures;
  let s3Figures: Figures | null;
  try {
    baseline = await benchBaseline();
    postgres = await benchApp('postgres', s3Env);
    // Not measured with BENCH_STORES=postgres: null in the detail line, not the postgres figures again.
    s3Figures = WITH_S3 ? await benchApp('s3', s3Env) : null;
  } finally {
    await s3.close();
    rmSync(s3Directory, { recursive: true, force: true });
  }
  const ratio = Number((postgres.upload_mib_s / baseline.upload_mib_s).toFixed(3));
  const peakRss = Math.max(postgres.peak_rss_mib, s3Figures?.peak_rss_mib ?? 0);
  const load = loadavg().map((l) => Number(l.toFixed(2)));
  process.stdout.write(`${JSON.stringify({ bench: 'documents-detail', baseline, postgres, s3: s3Figures, s3_ratio: s3Figures === null ? null : Number((s3Figures.upload_mib_s / baseline.upload_mib_s).toFixed(3)), loadavg: load })}\n`);
  process.stdout.write(
    `${JSON.stringify({ bench: 'documents', upload_mib_s: postgres.upload_mib_s, download_mib_s: postgres.download_mib_s, baseline_mib_s: baseline.upload_mib_s, ratio, peak_rss_mib: peakRss })}\n`,
  );
  if (ENFORCE_TARGETS && (ratio < TARGET_RATIO || peakRss >= TARGET_RSS_MIB)) {
    log(`targets missed: ratio ${ratio} (target ≥ ${TARGET_RATIO}), peak RSS ${peakRss} MiB (target < ${TARGET_RSS_MIB})`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
