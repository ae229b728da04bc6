import { Injectable, Logger } from '@nestjs/common';
import type { Contact, EncryptedContact } from '../aid-requests/domain/aid-request.events';
import { isErased, type ContactRecord, type ErasedContact } from '../aid-requests/domain/aid-request.state';
import { problem } from '../common/problem-details';
import { ProblemException } from '../common/problem-details.filter';
import { PersonalDataKeys, type PersonalDataKeyRow } from './personal-data-keys.store';
import { decryptContact, PersonalDataUnreadableError, PersonalDataVault } from './personal-data-vault';

/** A contact as the API shows it to those who may read the request: decrypted, or erased. */
export type ShownContact = Contact | ErasedContact;

/** Anything carrying a request's stored contact (a view, a queue item) and its id. */
interface WithContact {
  readonly id: string;
  readonly contact: ContactRecord | null;
}

export type Shown<V extends WithContact> = Omit<V, 'contact'> & { readonly contact: ShownContact | null };

/** A timeline entry, as the timeline query lists them. */
interface TimelineEntry {
  readonly type: string;
  readonly data: unknown;
}

/**
 * Decrypts contact details for an answer, and only there: views, idempotent replays and the
 * timeline keep the stored (encrypted) form everywhere else. Callers have already checked that the
 * caller may read the request. A contact whose key is gone (erased) shows as `{ erased: true }`;
 * one that does not decrypt (PERSONAL_DATA_KEY is not the key it was sealed with, or a stored byte
 * was altered) is a 500 that says so, never garbage.
 */
@Injectable()
export class PersonalDataReader {
  private readonly logger = new Logger('personal-data');

  constructor(
    private readonly vault: PersonalDataVault,
    private readonly keys: PersonalDataKeys,
  ) {}

  async showView<V extends WithContact>(view: V): Promise<Shown<V>> {
    const [shown] = await this.showViews([view]);
    return shown as Shown<V>;
  }

  async showViews<V extends WithContact>(views: readonly V[]): Promise<Shown<V>[]> {
    const rows = await this.keys.find(views.filter((view) => needsKey(view.contact)).map((view) => view.id));
    return Promise.all(views.map(async (view) => ({ ...view, contact: await this.show(view.id, view.contact, rows.get(view.id)) })));
  }

  /** The timeline with the filing's contact shown as the view shows it (erased after PersonalDataErased). */
  async showTimeline<T extends TimelineEntry>(requestId: string, items: readonly T[]): Promise<T[]> {
    const erased = items.find((item) => item.type === 'PersonalDataErased')?.data as { sealedPlaintextRemains?: boolean } | undefined;
    const erasure: ErasedContact | undefined = erased && (erased.sealedPlaintextRemains === true ? { erased: true, sealedPlaintextRemains: true } : { erased: true });
    const rows = erasure === undefined ? await this.keys.find([requestId]) : new Map<string, PersonalDataKeyRow>();
    return Promise.all(
      items.map(async (item) => {
        if (item.type !== 'AidRequestFiled') return item;
        const data = item.data as { contact: ContactRecord | null };
        const contact = data.contact === null ? null : (erasure ?? (await this.show(requestId, data.contact, rows.get(requestId))));
        return { ...item, data: { ...data, contact } };
      }),
    );
  }

  private async show(requestId: string, contact: ContactRecord | null, row: PersonalDataKeyRow | undefined): Promise<ShownContact | null> {
    if (contact === null || isErased(contact)) return contact;
    const stored: EncryptedContact | null = 'encrypted' in contact ? contact : (row?.legacyContact ?? null);
    // No key, no contact: it was erased (or, for a legacy filing, not re-encrypted yet).
    if (row === undefined || stored === null) return { erased: true };
    try {
      return decryptContact(await this.vault.openDataKey(requestId, row.sealedKey), requestId, stored);
    } catch (error) {
      if (!(error instanceof PersonalDataUnreadableError)) throw error;
      this.logger.error(error.message);
      throw new ProblemException(problem(500, 'personal_data.unreadable', `${error.message}; the contact details cannot be shown`));
    }
  }
}

function needsKey(contact: ContactRecord | null): boolean {
  return contact !== null && !isErased(contact);
}
