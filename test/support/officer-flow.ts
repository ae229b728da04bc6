import { eventually } from '@app/testing';
import { incidentBody } from './requests';
import type { TestApp, TestResponse } from './test-app';

/** Shortcuts for driving requests through the workflow over HTTP, as officers and partners do. */
export class Workflow {
  /** The partner's due diligence, once this workflow made sure there is some (see dueDiligence). */
  private assessed: Promise<void> | undefined;

  constructor(
    private readonly t: TestApp,
    readonly tokens: { partner: string; officer: string; admin: string },
    /** The partner's country (its token's). */
    readonly country = 'CR',
  ) {}

  static async create(t: TestApp, country = 'CR'): Promise<Workflow> {
    return new Workflow(
      t,
      {
        partner: await t.token('partner', { country, sub: `${country.toLowerCase()}-csirt` }),
        officer: await t.token('officer', { sub: 'officer-ana' }),
        admin: await t.token('admin', { sub: 'fund-manager' }),
      },
      country,
    );
  }

  /** An officer's due-diligence assessment of the partner (valid to the end of 2030 unless told). */
  async assess(riskLevel: 'low' | 'medium' | 'high' = 'low', validUntil = '2030-12-31', country = this.country): Promise<void> {
    const response = await this.post(this.tokens.officer, `/v1/partners/${country}/assessments`, { riskLevel, validUntil, summary: `Assessed ${riskLevel} risk for the tests.` });
    if (response.statusCode !== 201) throw new Error(`assessment failed: ${response.body}`);
  }

  /**
   * A capacity-building approval needs a valid assessment of the partner: the first time one is
   * needed, the partner is assessed low risk, unless the test assessed it already.
   */
  dueDiligence(): Promise<void> {
    this.assessed ??= (async () => {
      if ((await this.get(this.tokens.officer, `/v1/partners/${this.country}`)).json().riskLevel === null) await this.assess('low');
    })();
    return this.assessed;
  }

  post(token: string, url: string, payload?: unknown, headers: Record<string, string> = {}): Promise<TestResponse> {
    return this.t.request({ method: 'POST', url, headers: { authorization: `Bearer ${token}`, ...headers }, payload });
  }

  get(token: string, url: string): Promise<TestResponse> {
    return this.t.request({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
  }

  async allocate(fiscalYear: number, window: string, amount: number): Promise<void> {
    const response = await this.post(this.tokens.admin, `/v1/funds/${fiscalYear}/allocations`, { window, amount, note: 'test budget' });
    if (response.statusCode !== 201) throw new Error(`allocation failed: ${response.body}`);
  }

  async fund(fiscalYear: number) {
    return (await this.get(this.tokens.officer, `/v1/funds/${fiscalYear}`)).json();
  }

  async view(id: string) {
    return (await this.get(this.tokens.officer, `/v1/aid-requests/${id}`)).json();
  }

  /** Files a request and waits until it is triaged. */
  async triaged(body: unknown = incidentBody({}, { severity: 'high', sectors: [] })): Promise<string> {
    const response = await this.post(this.tokens.partner, '/v1/aid-requests', body);
    if (response.statusCode !== 201) throw new Error(`filing failed: ${response.body}`);
    const id: string = response.json().id;
    await eventually(async () => (await this.view(id)).status === 'triaged');
    return id;
  }

  /** Files, waits for triage, and claims: a request under review by `officer`. */
  async underReview(body?: unknown, officer = this.tokens.officer): Promise<string> {
    const id = await this.triaged(body);
    const claim = await this.post(officer, `/v1/aid-requests/${id}/claim`);
    if (claim.statusCode !== 200) throw new Error(`claim failed: ${claim.body}`);
    if (claim.json().track === 'capacity_building') await this.dueDiligence();
    return id;
  }
}
