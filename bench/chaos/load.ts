import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient } from './client';

export interface Tokens {
  readonly admin: string;
  readonly officers: readonly { sub: string; token: string }[];
  readonly partners: ReadonlyMap<string, string>;
}

interface View {
  id: string;
  country: string;
  status: string;
  title: string;
  amountRequested: number;
  assignedOfficer: string | null;
  approvals: string[];
  tranches: { number: number; amount: number; status: string }[];
}

/** What the load did, counted by the clients. */
export class LoadRecord {
  /** Every filing a client sent, by its marker (in its title): whether a 201 came back, and the id. */
  readonly filings = new Map<string, { id?: string; answered201: boolean; status: number; answeredAt?: number }>();
  /** Filings that may or may not exist (sent while a backup was taken): neither lost nor unexpected. */
  readonly uncertain = new Set<string>();
  readonly actions = new Map<string, number>();
  readonly webhookEndpoints: string[] = [];

  count(action: string): void {
    this.actions.set(action, (this.actions.get(action) ?? 0) + 1);
  }

  get filed(): number {
    return [...this.filings.values()].filter((filing) => filing.answered201).length;
  }
}

export interface LoadOptions {
  readonly runId: string;
  readonly client: ApiClient;
  readonly tokens: Tokens;
  readonly record: LoadRecord;
  readonly fourEyesThreshold: number;
  /** Partners filing at once. */
  readonly filers: number;
  /** Pause between two actions of one actor (ms). */
  readonly thinkMs: number;
  readonly until: () => boolean;
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const chance = (p: number): boolean => Math.random() < p;
const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
const SECTORS = ['energy', 'health', 'water', 'finance', 'telecom', 'government', 'transport', 'other'] as const;
const AREAS = ['open_secure_ecosystem', 'data_governance', 'countering_threats', 'partner_capacity'] as const;

let filingNumber = 0;

function filingBody(runId: string, marker: string, fourEyesThreshold: number): Record<string, unknown> {
  const big = chance(0.12);
  const amount = big ? fourEyesThreshold + Math.floor(Math.random() * 5_000_000) : 100_000 + Math.floor(Math.random() * 4_000_000);
  const common = {
    title: `Chaos ${marker}`,
    description: `Chaos run ${runId}: a filing made by the harness under injected faults.`,
    actionArea: pick(AREAS),
    amountRequested: amount,
    contact: { name: 'Duty officer', email: 'duty@example.org' },
  };
  if (chance(0.6)) {
    return {
      ...common,
      kind: 'incident_response',
      incident: {
        severity: pick(SEVERITIES),
        ongoing: chance(0.5),
        detectedAt: new Date(Date.now() - 3_600_000).toISOString(),
        sectors: [pick(SECTORS)],
      },
    };
  }
  const parts = 1 + Math.floor(Math.random() * 3);
  const share = Math.floor(amount / parts);
  const milestones = Array.from({ length: parts }, (_, i) => ({ title: `Milestone ${i + 1}`, amount: i === parts - 1 ? amount - share * (parts - 1) : share }));
  return { ...common, kind: 'capacity_building', capacity: { durationMonths: 12, milestones } };
}

/** A partner's system filing requests, retrying each with the same Idempotency-Key until it gets an answer. */
async function filer(options: LoadOptions, country: string, token: string): Promise<void> {
  while (!options.until()) {
    const marker = `${options.runId}-${country}-${++filingNumber}`;
    const entry: { id?: string; answered201: boolean; status: number; answeredAt?: number } = { answered201: false, status: 0 };
    options.record.filings.set(marker, entry);
    const answer = await options.client.send(token, 'POST', '/v1/aid-requests', filingBody(options.runId, marker, options.fourEyesThreshold));
    entry.status = answer.status;
    entry.answeredAt = Date.now();
    if (answer.status === 201) {
      entry.answered201 = true;
      entry.id = (answer.body as View).id;
      options.record.count('filed');
    } else {
      options.record.count(`filing answered ${answer.status}`);
    }
    await sleep(options.thinkMs * (0.5 + Math.random()));
  }
}

async function list(options: LoadOptions, token: string, path: string): Promise<View[]> {
  const answer = await options.client.once(token, 'GET', path);
  if (answer.status !== 200) return [];
  return (answer.body as { items: View[] }).items;
}

/** A partner's other duties: answering questions, withdrawing now and then, reporting on grants whose money is all paid. */
async function partnerDesk(options: LoadOptions, country: string, token: string): Promise<void> {
  while (!options.until()) {
    for (const view of await list(options, token, '/v1/aid-requests?status=information_requested&limit=20')) {
      const answer = await options.client.send(token, 'POST', `/v1/aid-requests/${view.id}/information`, { answer: 'Here is what the officer asked for, in full.' }, 20_000);
      options.record.count(`information ${answer.status}`);
    }
    for (const view of await list(options, token, '/v1/aid-requests?status=approved&limit=50')) {
      if (view.tranches.length > 0 && view.tranches.every((tranche) => tranche.status === 'disbursed')) {
        const answer = await options.client.send(token, 'POST', `/v1/aid-requests/${view.id}/reports`, { summary: 'All milestones met; final report.', final: true }, 20_000);
        options.record.count(`final report ${answer.status}`);
      }
    }
    if (chance(0.3)) {
      const triaged = await list(options, token, '/v1/aid-requests?status=triaged&limit=10');
      const victim = triaged[0];
      if (victim !== undefined && chance(0.15)) {
        const answer = await options.client.send(token, 'POST', `/v1/aid-requests/${victim.id}/withdraw`, { reason: 'Handled with national resources.' }, 20_000);
        options.record.count(`withdraw ${answer.status}`);
      }
    }
    await sleep(options.thinkMs * 4);
  }
}

/** An officer working the queue: claims, questions, approvals (some needing a second officer), rejections, releases. */
async function officer(options: LoadOptions, me: { sub: string; token: string }): Promise<void> {
  while (!options.until()) {
    const queue = await list(options, me.token, '/v1/queue?limit=40');
    for (const view of queue) {
      if (options.until()) return;
      const act = async (action: string, body?: unknown): Promise<void> => {
        const answer = await options.client.send(me.token, 'POST', `/v1/aid-requests/${view.id}/${action}`, body, 20_000);
        options.record.count(`${action.split('/')[0]} ${answer.status}`);
      };
      if (view.status === 'triaged') await act('claim');
      else if (view.status === 'under_review' && view.assignedOfficer === me.sub) {
        const roll = Math.random();
        if (roll < 0.12) await act('information-requests', { question: 'Which systems are affected, and what is already done?' });
        else if (roll < 0.22) await act('reject', { reason: 'Outside the fund’s mandate for this round.' });
        else await act('approve', { amountApproved: view.amountRequested });
      } else if (view.status === 'awaiting_second_approval' && !view.approvals.includes(me.sub)) {
        await act('approve', { amountApproved: view.amountRequested });
      }
    }
    for (const view of await list(options, me.token, '/v1/aid-requests?status=approved&limit=60')) {
      if (options.until()) return;
      if (view.tranches.some((tranche) => tranche.status === 'released')) continue;
      const next = view.tranches.find((tranche) => tranche.status === 'pending');
      if (next === undefined) continue;
      const answer = await options.client.send(me.token, 'POST', `/v1/aid-requests/${view.id}/tranches/${next.number}/release`, undefined, 20_000);
      options.record.count(`release ${answer.status}`);
    }
    await sleep(options.thinkMs);
  }
}

/** Starts every actor; resolves when `until()` holds and each has finished what it was doing. */
export async function runLoad(options: LoadOptions): Promise<void> {
  const countries = [...options.tokens.partners];
  const actors: Promise<void>[] = [];
  for (let i = 0; i < options.filers; i++) {
    const [country, token] = countries[i % countries.length]!;
    actors.push(filer(options, country, token));
  }
  for (const [country, token] of countries) actors.push(partnerDesk(options, country, token));
  for (const me of options.tokens.officers) actors.push(officer(options, me));
  await Promise.all(actors);
}
