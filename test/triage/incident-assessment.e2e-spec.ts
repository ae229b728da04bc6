import { jest } from '@jest/globals';
import type { QueryConfig } from 'pg';
import { IncidentAssessmentStore, type IncidentAssessment, type IncidentWithDuplicates } from '../../src/triage/jobs/incident-assessment.store';
import { capacityBody, incidentBody } from '../support/requests';
import { createTestApp, type TestApp } from '../support/test-app';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

/** A store on the test's own pool (the app's worker uses another), whose statements are counted. */
function countingStore(): { store: IncidentAssessmentStore; statements: () => number } {
  const query = jest.spyOn(t.pool, 'query');
  afterCount.push(() => query.mockRestore());
  const statements = () => query.mock.calls.filter(([config]) => typeof config === 'object' && (config as QueryConfig).name === 'incident_assess').length;
  return { store: new IncidentAssessmentStore(t.pool), statements };
}
const afterCount: (() => void)[] = [];
afterEach(() => afterCount.splice(0).forEach((restore) => restore()));

async function file(country: string, body: unknown): Promise<string> {
  const token = await t.token('partner', { country, sub: `${country.toLowerCase()}-csirt` });
  const response = await t.request({ method: 'POST', url: '/v1/aid-requests', headers: { authorization: `Bearer ${token}` }, payload: body });
  expect(response.statusCode).toBe(201);
  return response.json().id;
}

const urgent = (requestId: string): IncidentAssessment => ({ requestId, alertId: `${requestId}-urgent-test` });

async function alertsFor(alertId: string): Promise<number> {
  const { rows } = await t.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM notifications WHERE id = $1', [alertId]);
  return rows[0]!.n;
}

describe('assessing incidents together', () => {
  const filed: string[] = [];
  let capacity: string;

  beforeAll(async () => {
    // Three countries, four incidents each, detected an hour apart.
    for (const country of ['KE', 'GH', 'SN']) {
      for (let hour = 0; hour < 4; hour += 1) {
        filed.push(await file(country, incidentBody({}, { detectedAt: `2026-11-21T0${hour}:00:00Z` })));
      }
    }
    capacity = await file('KE', capacityBody());
  });

  it('asked for in one turn, they share one statement, and each caller gets what it would get alone', async () => {
    const asked = [...filed, capacity].map(urgent);
    const alone = new IncidentAssessmentStore(t.pool);
    const expected: (IncidentWithDuplicates | undefined)[] = [];
    for (const assessment of asked) expected.push(await alone.assess(assessment));

    const { store, statements } = countingStore();
    const together = await Promise.all(asked.map((assessment) => store.assess(assessment)));
    expect(statements()).toBe(1);
    expect(together).toEqual(expected);

    // Its own country's other incidents, the closest first (ties by id); nothing for capacity.
    const [ke0, ke1, ke2, ke3] = filed as [string, string, string, string];
    expect(together[1]).toMatchObject({ id: ke1, country: 'KE', detectedAt: '2026-11-21T01:00:00.000Z' });
    expect(together[1]!.duplicates.map((d) => d.id)).toEqual([ke0, ke2, ke3]);
    expect(together.at(-1)).toBeUndefined();
    for (const id of filed) expect(await alertsFor(`${id}-urgent-test`)).toBe(1);
    expect(await alertsFor(`${capacity}-urgent-test`)).toBe(0);
  });

  it('a request that fails its shared statement fails alone: the others still get theirs', async () => {
    const { store, statements } = countingStore();
    const outcomes = await Promise.allSettled([store.assess(urgent(filed[4]!)), store.assess(urgent('not-a-uuid')), store.assess(urgent(filed[8]!))]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ message: expect.stringContaining('invalid input syntax for type uuid') });
    expect((outcomes[0] as PromiseFulfilledResult<IncidentWithDuplicates>).value).toMatchObject({ id: filed[4], country: 'GH' });
    expect((outcomes[2] as PromiseFulfilledResult<IncidentWithDuplicates>).value).toMatchObject({ id: filed[8], country: 'SN' });
    // The shared statement, then each of the three alone.
    expect(statements()).toBe(4);
  });

  it('one request asked for twice at once goes in two statements, and its alert is recorded once', async () => {
    const { store, statements } = countingStore();
    const id = filed[5]!;
    const assessment = { requestId: id, alertId: `${id}-twice` };
    const [first, second] = await Promise.all([store.assess(assessment), store.assess(assessment)]);
    expect(first).toEqual(second);
    expect(first?.duplicates).toHaveLength(3);
    expect(statements()).toBe(2);
    expect(await alertsFor(`${id}-twice`)).toBe(1);
  });
});

describe('the likely duplicates of an incident', () => {
  it('are the five open incidents of its country detected closest to it, before or after, ties by id, within 72 h', async () => {
    const at = (offsetHours: number) => new Date(Date.parse('2026-11-10T12:00:00Z') + offsetHours * 3_600_000).toISOString();
    const me = await file('TZ', incidentBody({}, { detectedAt: at(0) }));
    // Twelve an hour apart, six after and six before: the five of them with the lowest ids are flagged.
    const hourApart = new Map<string, string>();
    for (const offset of [1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1]) hourApart.set(await file('TZ', incidentBody({}, { detectedAt: at(offset) })), at(offset));
    // Further away, outside the window, or of another country: none of them is among the five.
    await file('TZ', incidentBody({}, { detectedAt: at(-2) }));
    await file('TZ', incidentBody({}, { detectedAt: at(-71) }));
    await file('TZ', incidentBody({}, { detectedAt: at(73) }));
    await file('UG', incidentBody({}, { detectedAt: at(0) }));

    const assessed = await new IncidentAssessmentStore(t.pool).assess(urgent(me));
    const closest = [...hourApart.keys()].sort().slice(0, 5);
    expect(assessed?.duplicates).toEqual(closest.map((id) => ({ id, detectedAt: hourApart.get(id) })));
  });
});
