import {
  CopyObjectCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { once } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import { v7 as uuidv7 } from 'uuid';
import type { DocumentsConfig } from '../../config/app-config';
import { DocumentStore, type BlobUpload } from './document-store';

/** Multipart part size: S3's minimum, so an upload holds at most a part or two in memory. */
const PART_BYTES = 5 * 1024 * 1024;

/**
 * DOCUMENT_STORE=s3 (any S3-compatible store): a blob is the object `blobs/<sha256>`. An upload
 * streams into `uploads/<uuid>` (a multipart upload through @aws-sdk/lib-storage) and, once its
 * hash is known, is copied to its blob key unless that exists already, then deleted. Objects
 * under `uploads/` older than a day are leftovers of a crashed process (StagedUploadPurger
 * deletes them; a bucket lifecycle rule may as well).
 */
export class S3DocumentStore extends DocumentStore {
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(config: NonNullable<DocumentsConfig['s3']>) {
    super();
    this.bucket = config.bucket;
    this.client = new S3Client({
      region: config.region,
      forcePathStyle: config.forcePathStyle,
      ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
      ...(config.accessKeyId !== undefined && config.secretAccessKey !== undefined
        ? { credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey } }
        : {}),
    });
  }

  begin(): Promise<BlobUpload> {
    return Promise.resolve(new S3BlobUpload(this.client, this.bucket, `uploads/${uuidv7()}`));
  }

  async has(sha256: string): Promise<boolean> {
    return exists(this.client, this.bucket, blobKey(sha256));
  }

  async open(sha256: string): Promise<Readable | undefined> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: blobKey(sha256) }));
      return object.Body instanceof Readable ? object.Body : undefined;
    } catch (error) {
      if (error instanceof NoSuchKey || error instanceof NotFound) return undefined;
      throw error;
    }
  }

  async remove(sha256: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: blobKey(sha256) }));
  }

  async purgeStaged(before: Date): Promise<number> {
    let deleted = 0;
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: 'uploads/', ContinuationToken: token }));
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined || object.LastModified === undefined || object.LastModified >= before) continue;
        await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: object.Key }));
        deleted++;
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return deleted;
  }

  destroy(): void {
    this.client.destroy();
  }
}

class S3BlobUpload implements BlobUpload {
  private readonly body = new PassThrough({ highWaterMark: 1024 * 1024 });
  private readonly upload: Upload;
  private readonly done: Promise<unknown>;
  private failed: Error | undefined;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly key: string,
  ) {
    this.upload = new Upload({ client, params: { Bucket: bucket, Key: key, Body: this.body }, partSize: PART_BYTES, queueSize: 1, leavePartsOnError: false });
    this.done = this.upload.done();
    this.done.catch((error: unknown) => {
      this.failed = error instanceof Error ? error : new Error(String(error));
      this.body.destroy();
    });
  }

  async write(chunk: Buffer): Promise<void> {
    this.throwIfFailed();
    if (!this.body.write(chunk)) {
      await Promise.race([once(this.body, 'drain'), this.done.then(() => undefined)]);
      this.throwIfFailed();
    }
  }

  private throwIfFailed(): void {
    if (this.failed !== undefined) throw this.failed;
  }

  async commit(sha256: string): Promise<boolean> {
    this.body.end();
    await this.done;
    try {
      if (await exists(this.client, this.bucket, blobKey(sha256))) return false;
      await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: blobKey(sha256), CopySource: `${this.bucket}/${this.key}` }));
      return true;
    } finally {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key }));
    }
  }

  async abort(): Promise<void> {
    this.body.destroy();
    await this.upload.abort().catch(() => undefined);
    await this.done.catch(() => undefined);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key })).catch(() => undefined);
  }
}

function blobKey(sha256: string): string {
  return `blobs/${sha256}`;
}

async function exists(client: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    if (error instanceof NotFound || error instanceof NoSuchKey || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw error;
  }
}
