import { DeciderSpecification } from '@app/testing';
import { fold } from '@app/event-store/decider';
import type { ErasePersonalData, FileAidRequest } from './aid-request.commands';
import { aidRequestDecider } from './aid-request.decider';
import type { AidRequestEvent, AidRequestFiled, AidRequestWithdrawn, EncryptedContact, PersonalDataErased } from './aid-request.events';
import { upcastAidRequestFiledV1 } from './aid-request-filed.upcaster';
import type { CommandContext } from '../../kernel/command-context';
import { aidRequestViewProjection } from '../projections/aid-request-view.projection';

/*
 * Given/When/Then for the contact details (docs/personal-data.md): filing stores only the
 * ciphertext it is given, erasure by an admin records PersonalDataErased once, and every refusal.
 */

const spec = DeciderSpecification.for(aidRequestDecider);

const REQUEST_ID = '019ac9a0-0000-7000-8000-00000000e001';
const FILED_AT = '2026-11-28T10:00:00.000Z';
const ERASED_AT = '2026-12-01T09:00:00.000Z';
const SEALED: EncryptedContact = { encrypted: { v: 1, iv: 'AAECAwQFBgcICQoL', ciphertext: 'Y2lwaGVydGV4dA==', tag: 'AAECAwQFBgcICQoLDA0ODw==' } };

type Actor = CommandContext['actor'];
const admin: Actor = { sub: 'admin-eve', role: 'admin' };
const officer: Actor = { sub: 'officer-ana', role: 'officer' };
const auditor: Actor = { sub: 'auditor-olga', role: 'auditor' };
const crPartner: Actor = { sub: 'cr-csirt', role: 'partner', country: 'CR' };

function filed(contact: AidRequestFiled['data']['contact']): AidRequestFiled {
  return {
    type: 'AidRequestFiled',
    data: {
      requestId: REQUEST_ID,
      country: 'CR',
      kind: 'incident_response',
      title: 'Ransomware on customs and tax systems',
      description: 'Customs and tax systems encrypted; operations halted since this morning.',
      actionArea: 'countering_threats',
      amountRequested: '2500000',
      incident: { severity: 'critical', ongoing: true, detectedAt: '2026-11-27T08:00:00.000Z', sectors: ['government'] },
      contact,
      filedBy: 'cr-csirt',
      filedAt: FILED_AT,
      tlp: 'AMBER',
    },
  };
}

/** A schema-1 filing as its upcaster gives it to readers: the plaintext replaced by the legacy mark. */
function legacyFiled(): AidRequestFiled {
  const v1 = { ...filed(null).data, contact: { name: 'Ana Mora', email: 'ana@csirt.example.cr' } };
  return { type: 'AidRequestFiled', data: upcastAidRequestFiledV1(v1) as AidRequestFiled['data'] };
}

const erase = (actor: Actor = admin, reason = 'the person asked to be forgotten'): ErasePersonalData => ({
  type: 'ErasePersonalData',
  data: { reason },
  context: { actor, now: new Date(ERASED_AT) },
});

const erased = (sealedPlaintextRemains = false): PersonalDataErased => ({
  type: 'PersonalDataErased',
  data: { requestId: REQUEST_ID, erasedBy: 'admin-eve', reason: 'the person asked to be forgotten', erasedAt: ERASED_AT, sealedPlaintextRemains },
});

const withdrawn: AidRequestWithdrawn = {
  type: 'AidRequestWithdrawn',
  data: { requestId: REQUEST_ID, withdrawnBy: 'cr-csirt', reason: null, withdrawnAt: '2026-11-29T10:00:00.000Z', released: null },
};

describe('AidRequest decisions: filing with a contact', () => {
  it('records exactly the ciphertext it is given, never a plaintext', () => {
    const command: FileAidRequest = {
      type: 'FileAidRequest',
      data: {
        requestId: REQUEST_ID,
        kind: 'incident_response',
        title: 'Ransomware on customs and tax systems',
        description: 'Customs and tax systems encrypted; operations halted since this morning.',
        actionArea: 'countering_threats',
        amountRequested: 2_500_000n,
        incident: { severity: 'critical', ongoing: true, detectedAt: new Date('2026-11-27T08:00:00Z'), sectors: ['government'] },
        contact: SEALED,
      },
      context: { actor: crPartner, now: new Date(FILED_AT) },
    };
    spec.given([]).when(command).then([filed(SEALED)]);
  });
});

describe('AidRequest decisions: erasing the contact details', () => {
  it('an admin erases an encrypted contact: PersonalDataErased with who, why and when', () => {
    spec.given([filed(SEALED)]).when(erase()).then([erased()]);
  });

  it('works in any status, a closed or withdrawn request too', () => {
    spec.given([filed(SEALED), withdrawn]).when(erase()).then([erased()]);
  });

  it('erasing again records nothing (the answer is the view, as for the first erasure)', () => {
    spec.given([filed(SEALED), erased()]).when(erase()).thenNothingHappens();
  });

  it('a request filed without a contact has nothing to erase: refused with its own code', () => {
    spec.given([filed(null)]).when(erase()).thenFails('personal_data.none', (error) => expect(error.category).toBe('conflict'));
  });

  it('a request filed before contacts were encrypted is erased, and the event says its sealed plaintext remains', () => {
    spec.given([legacyFiled()]).when(erase()).then([erased(true)]);
  });

  it.each([
    ['an officer', officer],
    ['an auditor', auditor],
    ['the filing partner', crPartner],
  ])('%s may not erase', (_, actor) => {
    spec.given([filed(SEALED)]).when(erase(actor)).thenFails('aid_request.admin_only', (error) => expect(error.category).toBe('forbidden'));
  });

  it('an unknown request is not found', () => {
    spec.given([]).when(erase()).thenFails('aid_request.not_found');
  });
});

describe('AidRequest contact in the view', () => {
  const view = (events: readonly AidRequestEvent[]) => aidRequestViewProjection.view(REQUEST_ID, fold(aidRequestDecider, events), events.length);

  it('keeps the stored ciphertext (decryption is for the answer only)', () => {
    expect(view([filed(SEALED)]).contact).toEqual(SEALED);
  });

  it('shows { erased: true } after the erasure, without the ciphertext', () => {
    const after = view([filed(SEALED), erased()]);
    expect(after.contact).toEqual({ erased: true });
    expect(after.updatedAt).toBe(ERASED_AT);
  });

  it('a legacy request shows the mark, never the plaintext, and after erasure says the sealed plaintext remains', () => {
    expect(JSON.stringify(view([legacyFiled()]))).not.toContain('Ana Mora');
    expect(view([legacyFiled()]).contact).toEqual({ legacyPlaintext: true });
    expect(view([legacyFiled(), erased(true)]).contact).toEqual({ erased: true, sealedPlaintextRemains: true });
  });
});

describe('AidRequestFiled upcaster, schema 1 → 2', () => {
  it('replaces a plaintext contact with the legacy mark and keeps everything else', () => {
    const v1 = { ...filed(null).data, contact: { name: 'Ana Mora', email: 'ana@csirt.example.cr' } };
    const v2 = upcastAidRequestFiledV1(v1) as AidRequestFiled['data'];
    expect(v2).toEqual({ ...v1, contact: { legacyPlaintext: true } });
    expect(JSON.stringify(v2)).not.toMatch(/Ana Mora|ana@csirt/u);
  });

  it('keeps a filing without a contact without one', () => {
    expect((upcastAidRequestFiledV1({ ...filed(null).data }) as AidRequestFiled['data']).contact).toBeNull();
    const { contact: _omitted, ...withoutContact } = filed(null).data;
    expect((upcastAidRequestFiledV1(withoutContact) as AidRequestFiled['data']).contact).toBeNull();
  });
});
