import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DocumentReadModel } from './document-read-model';
import { DocumentStore } from './storage/document-store';

/** What re-hashing the stored documents found. */
export interface DocumentVerification {
  readonly ok: boolean;
  readonly verifiedDocuments: number;
  /** The first document (in log order) whose stored content is missing or differs from its DocumentAttached event. */
  readonly firstMismatch?: { readonly documentId: string; readonly reason: string };
}

const PAGE = 500;

/**
 * Re-hashes every stored document against its DocumentAttached event, in log order, streaming each
 * blob once (documents that share bytes share the result).
 */
@Injectable()
export class DocumentIntegrity {
  constructor(
    private readonly documents: DocumentReadModel,
    private readonly store: DocumentStore,
  ) {}

  async verify(): Promise<DocumentVerification> {
    const checked = new Map<string, string | null>();
    let verifiedDocuments = 0;
    for (let after = 0; ; ) {
      const page = await this.documents.page(after, PAGE);
      for (const { position, document } of page) {
        after = position;
        let problem = checked.get(document.sha256);
        if (problem === undefined) {
          problem = await this.check(document.sha256, document.size);
          checked.set(document.sha256, problem);
        }
        if (problem !== null) return { ok: false, verifiedDocuments, firstMismatch: { documentId: document.id, reason: problem } };
        verifiedDocuments++;
      }
      if (page.length < PAGE) return { ok: true, verifiedDocuments };
    }
  }

  /** Null when the stored bytes hash to `sha256` and number `size`; otherwise what is wrong. */
  private async check(sha256: string, size: number): Promise<string | null> {
    let content;
    try {
      content = await this.store.open(sha256);
    } catch (error) {
      return `content unreadable: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (content === undefined) return 'content missing from the store';
    const hash = createHash('sha256');
    let bytes = 0;
    try {
      for await (const chunk of content as AsyncIterable<Buffer>) {
        hash.update(chunk);
        bytes += chunk.length;
      }
    } catch (error) {
      return `content unreadable: ${error instanceof Error ? error.message : String(error)}`;
    }
    const actual = hash.digest('hex');
    if (actual !== sha256) return `content changed: it hashes to ${actual}, DocumentAttached recorded ${sha256}`;
    if (bytes !== size) return `content changed: ${bytes} bytes stored, DocumentAttached recorded ${size}`;
    return null;
  }
}
