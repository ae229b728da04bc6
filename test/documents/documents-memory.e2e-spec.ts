import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { incidentBody } from '../support/requests';
import { createTestApp, type TestApp } from '../support/test-app';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const MIB = 1024 * 1024;
const SIZE = 25 * MIB;
/**
 * "A few MiB": what the upload may add to the heap, and to live Buffer memory, at its peak. The
 * store holds at most two 1 MiB chunks per upload (one being written, one filling); the rest is
 * socket, parser and driver buffers on both ends of the connection (the client runs in this
 * process too). Measured here: heap +0.6 MiB, buffers +5 to +9 MiB.
 */
const HEAP_BOUND = 8 * MIB;
const BUFFER_BOUND = 16 * MIB;

let t: TestApp;
let cr: string;

beforeAll(async () => {
  t = await createTestApp({ env: { APP_ROLE: 'api' } });
  cr = await t.token('partner', { country: 'CR', sub: 'cr-csirt' });
});
afterAll(async () => {
  await t.close();
});

/**
 * Streams a SIZE-byte text file as multipart, generated 64 KiB at a time (the client holds no copy).
 * After each MiB it waits for `afterEachMib` (a look at the memory).
 */
function streamUpload(id: string, hash: ReturnType<typeof createHash>, afterEachMib: () => Promise<void>): Promise<{ status: number; body: string }> {
  const boundary = 'memoryboundary42';
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="large.txt"\r\nContent-Type: text/plain\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  const piece = Buffer.alloc(64 * 1024);
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${t.baseUrl}/v1/aid-requests/${id}/documents`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${cr}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': String(Buffer.byteLength(head) + SIZE + Buffer.byteLength(tail)),
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
    let sent = 0;
    const pump = async (): Promise<void> => {
      while (sent < SIZE) {
        if (sent > 0 && sent % MIB === 0) await afterEachMib();
        piece.fill(97 + ((sent / piece.length) % 26));
        hash.update(piece);
        sent += piece.length;
        if (!req.write(Buffer.from(piece))) await once(req, 'drain');
      }
      req.end(tail);
    };
    pump().catch(reject);
  });
}

describe('uploading 25 MiB', () => {
  it('raises neither the heap nor Buffer memory by more than a few MiB', async () => {
    const filed = await t.request({ method: 'POST', url: '/v1/aid-requests', headers: { authorization: `Bearer ${cr}` }, payload: incidentBody() });
    const id: string = filed.json().id;
    gc();
    const before = process.memoryUsage();
    let peakHeap = before.heapUsed;
    let peakBuffers = before.arrayBuffers;
    // Collected before each look: what is measured is memory held, not garbage awaiting collection.
    // The service runs in this process and a collection stops it, so the looks are the client's:
    // one after each MiB it sends (25 in all), never on a timer. A timer that collected as often
    // as the loop allowed starved the service on a loaded machine (a connection attempt that timed
    // out was a 503), and one paced by the collection's own length crawled past the test's timeout
    // when the worker's heap was large (a collection of seconds, then a look every tens of seconds).
    let looks = 0;
    const look = async (): Promise<void> => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      gc();
      const now = process.memoryUsage();
      peakHeap = Math.max(peakHeap, now.heapUsed);
      peakBuffers = Math.max(peakBuffers, now.arrayBuffers);
      looks += 1;
    };
    const hash = createHash('sha256');
    const response = await streamUpload(id, hash, look);
    // The answer's body on failure: a 503 names the dependency that was not there.
    expect(response).toMatchObject({ status: 201 });
    const document = JSON.parse(response.body) as { size: number; sha256: string };
    expect(document.size).toBe(SIZE);
    expect(document.sha256).toBe(hash.digest('hex'));
    const heapRise = peakHeap - before.heapUsed;
    const bufferRise = peakBuffers - before.arrayBuffers;
    process.stdout.write(`25 MiB upload: heap +${(heapRise / MIB).toFixed(1)} MiB, buffers +${(bufferRise / MIB).toFixed(1)} MiB at peak (${looks} looks)\n`);
    expect(looks).toBeGreaterThanOrEqual(SIZE / MIB - 1);
    expect(heapRise).toBeLessThan(HEAP_BOUND);
    expect(bufferRise).toBeLessThan(BUFFER_BOUND);
  }, 180_000);
});
