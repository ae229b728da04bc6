import type { ErasePersonalData } from './aid-request.commands';
import type { Decision } from './aid-request.decision';
import { AidRequestErrors } from './aid-request.errors';
import { isErased, type ExistingAidRequest } from './aid-request.state';

/**
 * Erasure of the contact details (crypto-shredding), by an admin, in any status. A request filed
 * without a contact has nothing to erase (409); erasing again changes nothing (the answer is the
 * view, as for the first erasure). A request filed before contacts were encrypted is erased as far
 * as it can be, and the event says that its sealed plaintext remains.
 */
export function erasePersonalData(command: ErasePersonalData, state: ExistingAidRequest): Decision {
  const { data, context } = command;
  if (context.actor.role !== 'admin') return AidRequestErrors.adminOnly('erase personal data');
  const contact = state.filed.contact;
  if (contact === null) return AidRequestErrors.noPersonalData();
  if (isErased(contact)) return [];
  return [
    {
      type: 'PersonalDataErased',
      data: {
        requestId: state.filed.requestId,
        erasedBy: context.actor.sub,
        reason: data.reason,
        erasedAt: context.now.toISOString(),
        sealedPlaintextRemains: 'legacyPlaintext' in contact,
      },
    },
  ];
}
