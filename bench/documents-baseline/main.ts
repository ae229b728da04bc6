/**
 * The documents benchmark's baseline: bare Fastify with @fastify/multipart, whose one route streams
 * the uploaded file part to /dev/null (hashing nothing, storing nothing) and answers 201. What the
 * app's upload path costs is measured against this.
 */
import multipart from '@fastify/multipart';
import Fastify from 'fastify';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';

async function main(): Promise<void> {
  const app = Fastify({ logger: false });
  await app.register(multipart);
  app.get('/health', () => ({ ok: true }));
  app.post('/upload', async (request, reply) => {
    let size = 0;
    for await (const part of request.parts({ limits: { fileSize: 64 * 1024 * 1024, files: 1 } })) {
      if (part.type !== 'file') continue;
      part.file.on('data', (chunk: Buffer) => (size += chunk.length));
      await pipeline(part.file, createWriteStream('/dev/null'));
    }
    return reply.status(201).send({ size });
  });
  await app.listen({ port: Number(process.env['PORT'] ?? 3100), host: process.env['HOST'] ?? '127.0.0.1' });
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
