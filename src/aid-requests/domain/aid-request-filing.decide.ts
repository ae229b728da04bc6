import type { DomainError, FieldProblem } from '@app/event-store/decider';
import { toCentsString } from '../../kernel/money';
import { DEFAULT_TLP } from '../../kernel/tlp';
import type { FileAidRequest } from './aid-request.commands';
import { AidRequestErrors } from './aid-request.errors';
import type { AidRequestFiled, AidRequestFiledData } from './aid-request.events';
import type { AidRequestState } from './aid-request.state';
import { MAX_AMOUNT_CENTS, MIN_AMOUNT_CENTS } from './aid-request.values';

/** Filing: a partner files a request for its own country. */
export function fileAidRequest(command: FileAidRequest, state: AidRequestState): [AidRequestFiled] | DomainError {
  const { data, context } = command;
  if (state.status !== 'none') return AidRequestErrors.alreadyFiled(data.requestId);
  const country = context.actor.country;
  if (context.actor.role !== 'partner' || country === undefined) return AidRequestErrors.notAPartner();

  const problems = fileProblems(command);
  if (problems.length > 0) return AidRequestErrors.invalid(problems);

  const common = {
    requestId: data.requestId,
    country,
    title: data.title,
    description: data.description,
    actionArea: data.actionArea,
    amountRequested: toCentsString(data.amountRequested),
    contact: data.contact ?? null,
    filedBy: context.actor.sub,
    filedAt: context.now.toISOString(),
    tlp: data.tlp ?? DEFAULT_TLP,
  };
  let filed: AidRequestFiledData;
  if (data.kind === 'incident_response' && data.incident) {
    const { severity, ongoing, detectedAt, sectors } = data.incident;
    filed = { ...common, kind: 'incident_response', incident: { severity, ongoing, detectedAt: detectedAt.toISOString(), sectors: [...new Set(sectors)] } };
  } else if (data.kind === 'capacity_building' && data.capacity) {
    const { durationMonths, sectors, milestones } = data.capacity;
    filed = {
      ...common,
      kind: 'capacity_building',
      capacity: {
        durationMonths,
        sectors: [...new Set(sectors)],
        milestones: milestones.map((m) => ({ title: m.title, amount: toCentsString(m.amount) })),
      },
    };
  } else {
    // Unreachable: fileProblems refuses a kind without its section.
    return AidRequestErrors.invalid([{ field: 'kind', message: 'kind does not match the details given' }]);
  }
  return [{ type: 'AidRequestFiled', data: filed }];
}

/** Rules a request must satisfy to be filed; every broken one is reported, each naming its field. */
function fileProblems({ data, context }: FileAidRequest): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (data.amountRequested < MIN_AMOUNT_CENTS || data.amountRequested > MAX_AMOUNT_CENTS) {
    problems.push({ field: 'amountRequested', message: `amountRequested must be from ${MIN_AMOUNT_CENTS} to ${MAX_AMOUNT_CENTS} cents` });
  }
  const isIncident = data.kind === 'incident_response';
  if (isIncident && !data.incident) problems.push({ field: 'incident', message: 'incident is required when kind is incident_response' });
  if (!isIncident && data.incident) problems.push({ field: 'incident', message: 'incident must not be given when kind is capacity_building' });
  if (isIncident && data.capacity) problems.push({ field: 'capacity', message: 'capacity must not be given when kind is incident_response' });
  if (!isIncident && !data.capacity) problems.push({ field: 'capacity', message: 'capacity is required when kind is capacity_building' });

  if (data.incident && data.incident.detectedAt.getTime() > context.now.getTime()) {
    problems.push({ field: 'incident.detectedAt', message: 'incident.detectedAt must not be in the future' });
  }
  if (data.capacity) {
    const total = data.capacity.milestones.reduce((sum, m) => sum + m.amount, 0n);
    if (total !== data.amountRequested) {
      problems.push({
        field: 'capacity.milestones',
        message: `milestone amounts sum to ${total}, but amountRequested is ${data.amountRequested}`,
      });
    }
  }
  return problems;
}
