import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { mintToken } from '../../src/auth/dev-token';
import { describeSummary, log, summarize } from './report';

/**
 * Filing load for the benches that run the app as deployed (bench:triage, bench:growth): the
 * requests partners file (POST /v1/aid-requests), an open-loop sender at a fixed rate, a
 * closed-loop one as fast as the API takes them, and the check that every filing got its 201.
 */

export type Phase = 'smoke' | 'warmup' | 'measured' | 'backlog';

export interface Filing {
  readonly phase: Phase;
  readonly kind: 'incident_response' | 'capacity_building';
  /** HTTP status; 0 when there was no answer. */
  readonly status: number;
  /** The request id from the 201 body. */
  readonly id: string | undefined;
  /** Date.now() once the whole 201 had arrived. */
  readonly arrivedAt: number;
  readonly httpMs: number;
  /** How late the open-loop scheduler sent it (0 for closed-loop phases). */
  readonly sendLagMs: number;
  readonly problem?: string;
}

export type FilingKinds = 'mixed' | 'incident' | 'capacity';

export interface FilingMix {
  /** Partner countries the requests are spread over (at most 26). */
  readonly countries: number;
  /** Every n-th incident of a country repeats the previous one's `detectedAt` (0 = never). */
  readonly duplicateEvery: number;
  /** All incidents detected at the same time: the incident-response queue's worst case. */
  readonly sameDetectedAt: boolean;
  readonly kinds: FilingKinds;
  /** Each request's Idempotency-Key is `<prefix>-<n>`: unique per run. */
  readonly idempotencyKeyPrefix: string;
}

export const DEFAULT_FILING_MIX: Omit<FilingMix, 'idempotencyKeyPrefix'> = { countries: 20, duplicateEvery: 20, sameDetectedAt: false, kinds: 'mixed' };

const ALL_COUNTRIES = 'CR KE PH GH UA SN JM MD AL AM BJ BO BT CO DO EC FJ GE GT HN ID JO KG LK MN MZ'.split(' ');
const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
const INCIDENT_SECTORS = [['government', 'finance'], ['energy'], ['other'], []] as const;
const ACTION_AREAS = ['open_secure_ecosystem', 'data_governance', 'countering_threats', 'partner_capacity'] as const;
const CAPACITY_SECTORS = [['telecom'], [], ['health', 'water']] as const;
const HOUR_MS = 3_600_000;
/** Further apart than the 72-hour duplicate window of the incident-response queue. */
const DETECTED_SPACING_MS = 73 * HOUR_MS;

/** The partner countries of a mix, in the order requests go round them. */
export function filingCountries(mix: Pick<FilingMix, 'countries'>): string[] {
  return ALL_COUNTRIES.slice(0, Math.min(ALL_COUNTRIES.length, mix.countries));
}

/** One partner token per country of the mix, signed with the app's JWT secret. */
export async function partnerTokens(secret: string, mix: Pick<FilingMix, 'countries'>): Promise<Map<string, string>> {
  const secretBytes = new TextEncoder().encode(secret);
  const tokens = new Map<string, string>();
  for (const country of filingCountries(mix)) {
    tokens.set(country, await mintToken(secretBytes, { sub: `bench-partner-${country.toLowerCase()}`, role: 'partner', country }));
  }
  return tokens;
}

/** Builds request n of the run: alternately an incident and a capacity request, over the partner countries. */
export class FilingFactory {
  private n = 0;
  private readonly countries: readonly string[];
  private readonly incidentsByCountry = new Map<string, number>();
  private readonly slotByCountry = new Map<string, number>();
  /** Whole hours, an hour ago: never in the future. */
  private readonly base = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - HOUR_MS;

  constructor(
    private readonly tokens: ReadonlyMap<string, string>,
    private readonly mix: FilingMix,
  ) {
    this.countries = filingCountries(mix);
  }

  next(): { kind: Filing['kind']; headers: Record<string, string>; body: string } {
    const n = this.n++;
    const { kinds, duplicateEvery, sameDetectedAt } = this.mix;
    const country = this.countries[Math.floor(n / 2) % this.countries.length]!;
    const kind = kinds === 'incident' || (kinds === 'mixed' && n % 2 === 0) ? 'incident_response' : 'capacity_building';
    const headers = {
      'content-type': 'application/json',
      authorization: `Bearer ${this.tokens.get(country)!}`,
      'idempotency-key': `${this.mix.idempotencyKeyPrefix}-${n}`,
    };
    const common = { title: `Bench request ${n}`, description: 'Benchmark filing: systems affected, assistance requested for the response.' };
    if (kind === 'incident_response') {
      const k = this.incidentsByCountry.get(country) ?? 0;
      this.incidentsByCountry.set(country, k + 1);
      // A repeat keeps the previous incident's slot (one likely duplicate); every other one moves on.
      const repeat = duplicateEvery > 0 && k > 0 && k % duplicateEvery === 0;
      const slot = (this.slotByCountry.get(country) ?? -1) + (repeat ? 0 : 1);
      this.slotByCountry.set(country, slot);
      const detectedAt = new Date(sameDetectedAt ? this.base : this.base - slot * DETECTED_SPACING_MS).toISOString();
      const body = {
        kind,
        ...common,
        actionArea: 'countering_threats',
        amountRequested: 2_500_000,
        incident: { severity: SEVERITIES[k % SEVERITIES.length], ongoing: true, detectedAt, sectors: INCIDENT_SECTORS[k % INCIDENT_SECTORS.length] },
      };
      return { kind, headers, body: JSON.stringify(body) };
    }
    const amount = 1_000_000 + (n % 7) * 100_000;
    const body = {
      kind,
      ...common,
      actionArea: ACTION_AREAS[n % ACTION_AREAS.length],
      amountRequested: amount,
      capacity: {
        durationMonths: 12 + (n % 25),
        sectors: CAPACITY_SECTORS[n % CAPACITY_SECTORS.length],
        milestones: [
          { title: 'National CSIRT staffed', amount: amount - 400_000 },
          { title: 'Incident playbooks adopted', amount: 400_000 },
        ],
      },
    };
    return { kind, headers, body: JSON.stringify(body) };
  }
}

/** Files the factory's requests with one API process: one at a time, at a fixed rate, or as fast as it takes them. */
export class FilingClient {
  /** Plenty of keep-alive sockets: an open-loop load must never queue behind the client's own pool. */
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });

  constructor(
    private readonly origin: URL,
    private readonly factory: FilingFactory,
  ) {}

  async file(phase: Phase, sendLagMs = 0): Promise<Filing> {
    const { kind, headers, body } = this.factory.next();
    const started = performance.now();
    const answer = await new Promise<{ status: number; text: string; problem?: string }>((resolve) => {
      let settled = false;
      const settle = (value: { status: number; text: string; problem?: string }) => {
        if (settled) return;
        settled = true;
        resolve(value);
      };
      const request = http.request(
        {
          host: this.origin.hostname,
          port: this.origin.port,
          path: '/v1/aid-requests',
          method: 'POST',
          agent: this.agent,
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => settle({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          response.on('error', (error) => settle({ status: 0, text: '', problem: error.message }));
        },
      );
      request.setTimeout(15_000, () => request.destroy(new Error('timed out after 15 s')));
      request.on('error', (error) => settle({ status: 0, text: '', problem: error.message }));
      request.end(body);
    });
    const arrivedAt = Date.now();
    const httpMs = performance.now() - started;
    let id: string | undefined;
    let problem = answer.problem;
    if (answer.status === 201) {
      try {
        const parsed = JSON.parse(answer.text) as { id?: unknown };
        if (typeof parsed.id === 'string') id = parsed.id;
        else problem = `201 without an id: ${answer.text.slice(0, 300)}`;
      } catch {
        problem = `201 with a body that is not JSON: ${answer.text.slice(0, 300)}`;
      }
    } else if (problem === undefined) {
      problem = `${answer.status} ${answer.text.slice(0, 300)}`;
    }
    return { phase, kind, status: answer.status, id, arrivedAt, httpMs, sendLagMs, ...(problem === undefined ? {} : { problem }) };
  }

  /**
   * Open loop: request n is due at start + n × interval and is sent then, whatever happened to the
   * earlier ones. Timers fire late by a millisecond or so; every overdue request is sent at once, so
   * the average rate is exact and no response ever holds a request back.
   */
  async openLoop(phase: Phase, rate: number, seconds: number): Promise<Filing[]> {
    const total = rate * seconds;
    const intervalMs = 1000 / rate;
    const pending: Promise<Filing>[] = [];
    const start = performance.now();
    let sent = 0;
    let lastSentAt = start;
    let answered = 0;
    let lastReport = start;
    let answeredAtLastReport = 0;
    while (sent < total) {
      const now = performance.now();
      while (sent < total && start + sent * intervalMs <= now) {
        const lag = now - (start + sent * intervalMs);
        pending.push(
          this.file(phase, lag).then((filing) => {
            answered++;
            return filing;
          }),
        );
        sent++;
        lastSentAt = now;
      }
      if (now - lastReport >= 1000) {
        log(`  ${phase}: t=${((now - start) / 1000).toFixed(0)}s sent ${sent}, ${answered - answeredAtLastReport} answers in the last second`);
        lastReport = now;
        answeredAtLastReport = answered;
      }
      if (sent < total) await sleep(Math.max(0, start + sent * intervalMs - performance.now()));
    }
    const filings = await Promise.all(pending);
    const sendRate = (total - 1) / ((lastSentAt - start) / 1000);
    log(`  ${phase}: ${total} requests sent at ${sendRate.toFixed(1)}/s, all answered ${((performance.now() - start) / 1000).toFixed(2)} s after the first was sent; ` +
      `send lag behind schedule ${describeSummary(summarize(filings.map((f) => f.sendLagMs)))}`);
    return filings;
  }

  /** Closed loop, `concurrency` requests in flight: as fast as the API takes them. */
  async backlog(count: number, concurrency: number): Promise<Filing[]> {
    const filings: Filing[] = [];
    let next = 0;
    const start = performance.now();
    const progress = setInterval(() => log(`  backlog: ${filings.length} of ${count} filed`), 1000);
    try {
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < count) {
            next++;
            filings.push(await this.file('backlog'));
          }
        }),
      );
    } finally {
      clearInterval(progress);
    }
    const seconds = (performance.now() - start) / 1000;
    log(`  backlog: ${count} filings in ${seconds.toFixed(2)} s = ${(count / seconds).toFixed(0)}/s; HTTP ${describeSummary(summarize(filings.map((f) => f.httpMs)))}`);
    return filings;
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Adds a failure unless every filing was answered 201 with an id. */
export function checkFilings(label: string, filings: readonly Filing[], failures: string[]): void {
  const bad = filings.filter((f) => f.status !== 201 || f.id === undefined);
  if (bad.length === 0) return;
  const byStatus = new Map<number, number>();
  for (const f of bad) byStatus.set(f.status, (byStatus.get(f.status) ?? 0) + 1);
  const samples = [...new Set(bad.map((f) => f.problem ?? '?'))].slice(0, 5);
  failures.push(`${label}: ${bad.length} of ${filings.length} filings not answered 201 with an id ` +
    `(by status ${JSON.stringify(Object.fromEntries(byStatus))}): ${samples.join(' | ')}`);
}
