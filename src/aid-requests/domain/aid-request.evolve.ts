import type { AidRequestEvent } from './aid-request.events';
import type { AidRequestState } from './aid-request.state';
import { fromCentsString } from './aid-request.values';

export function evolveAidRequest(state: AidRequestState, event: AidRequestEvent): AidRequestState {
  switch (event.type) {
    case 'AidRequestFiled': {
      const data = event.data;
      return {
        status: 'submitted',
        filed: {
          requestId: data.requestId,
          country: data.country,
          kind: data.kind,
          title: data.title,
          description: data.description,
          actionArea: data.actionArea,
          amountRequested: fromCentsString(data.amountRequested),
          incident: data.kind === 'incident_response' ? data.incident : null,
          capacity: data.kind === 'capacity_building' ? data.capacity : null,
          contact: data.contact,
          filedBy: data.filedBy,
          filedAt: data.filedAt,
        },
        updatedAt: data.filedAt,
      };
    }
    default: {
      const unknownEvent: never = event.type;
      return unknownEvent;
    }
  }
}
