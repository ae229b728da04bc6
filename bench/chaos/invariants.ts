import { Queue, type ConnectionOptions } from 'bullmq';
import pg from 'pg';
import { QUEUE_DEFINITIONS, type QueueName } from '../../src/queues/queue-definitions';
import type { LoadRecord } from './load';
import type { Receivers } from '../support/webhook-receivers';

export interface InvariantReport {
  readonly lost: number;
  readonly duplicated: number;
  readonly overcommitted: number;
  readonly double_disbursed: number;
  readonly stuck: number;
  readonly unsealed: number;
  readonly webhooks_lost: number;
  readonly audit_ok: boolean;
  /** What each count is made of, for the failure report. */
  readonly details: Record<string, unknown>;
}

async function one<T extends pg.QueryResultRow>(client: pg.Client, sql: string, values: unknown[] = []): Promise<T> {
  const { rows } = await client.query<T>(sql, values);
  return rows[0]!;
}

export interface Backlog {
  readonly total: number;
  /** Requests awaiting triage. */
  readonly triage: number;
  /** Tranches released, not yet disbursed. */
  readonly disbursements: number;
  /** Webhook deliveries pending. */
  readonly webhooks: number;
  /** Events not yet in the audit ledger. */
  readonly unsealed: number;
}

/** The backlog: work the service still owes (untriaged filings, undisbursed releases, undelivered messages, unsealed events). */
export async function backlog(client: pg.Client): Promise<Backlog> {
  const row = await one<{ triage: string; disbursements: string; webhooks: string; unsealed: string }>(
    client,
    `SELECT (SELECT count(*) FROM aid_request_views WHERE status = 'submitted')::text AS triage,
            (SELECT count(*) FROM aid_request_views v, json_array_elements(v.view -> 'tranches') t
              WHERE v.status IN ('approved', 'closed') AND t ->> 'status' = 'released')::text AS disbursements,
            (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending')::text AS webhooks,
            greatest(0, (SELECT count(*) FROM events) - (SELECT count(*) FROM audit_ledger))::text AS unsealed`,
  );
  const parts = { triage: Number(row.triage), disbursements: Number(row.disbursements), webhooks: Number(row.webhooks), unsealed: Number(row.unsealed) };
  return { total: parts.triage + parts.disbursements + parts.webhooks + parts.unsealed, ...parts };
}

export interface CheckOptions {
  readonly databaseUrl: string;
  /** BullMQ's connection (a Redis URL's options, or a cluster client) and the prefix. */
  readonly queueConnection: () => ConnectionOptions;
  readonly queuePrefix: string;
  readonly load: LoadRecord;
  readonly receivers: Receivers;
  readonly apiUrl: string;
  readonly auditorToken: string;
  readonly officerToken: string;
  readonly fiscalYear: number;
}

/** Checks every invariant of the issue against the database, Redis and the API, once the system is quiet. */
export async function checkInvariants(options: CheckOptions): Promise<InvariantReport> {
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  const details: Record<string, unknown> = {};
  try {
    // Filings: each marker a client sent, against the AidRequestFiled events carrying it.
    const { rows: filedRows } = await client.query<{ marker: string; n: number; ids: string[] }>(
      `SELECT substring(data ->> 'title' from 7) AS marker, count(*)::int AS n, array_agg(stream_id) AS ids
         FROM events WHERE event_type = 'AidRequestFiled' GROUP BY 1`,
    );
    const stored = new Map(filedRows.map((row) => [row.marker, row]));
    let lost = 0;
    let duplicated = 0;
    let phantom = 0;
    let answeredButDifferentId = 0;
    for (const [marker, filing] of options.load.filings) {
      if (options.load.uncertain.has(marker)) continue;
      const row = stored.get(marker);
      if (filing.answered201 && row === undefined) lost++;
      if (row !== undefined && row.n > 1) duplicated += row.n - 1;
      if (filing.answered201 && row !== undefined && filing.id !== undefined && !row.ids.includes(`aid-request-${filing.id}`)) answeredButDifferentId++;
    }
    for (const marker of stored.keys()) if (!options.load.filings.has(marker) && !options.load.uncertain.has(marker)) phantom++;
    const views = await one<{ views: string; events: string }>(
      client,
      `SELECT (SELECT count(*) FROM aid_request_views)::text AS views, (SELECT count(*) FROM events WHERE event_type = 'AidRequestFiled')::text AS events`,
    );
    const viewMismatch = Math.abs(Number(views.views) - Number(views.events));
    // Triage: exactly one automatic triage per request (officers' overrides are a different command; the load makes none).
    const triage = await one<{ twice: string; never: string }>(
      client,
      `WITH t AS (SELECT stream_id, count(*) FILTER (WHERE event_type = 'AidRequestTriaged') AS n,
                         bool_or(event_type = 'AidRequestWithdrawn') AS withdrawn
                    FROM events WHERE stream_type = 'aid-request' OR stream_id LIKE 'aid-request-%' GROUP BY stream_id)
       SELECT count(*) FILTER (WHERE n > 1)::text AS twice, count(*) FILTER (WHERE n = 0 AND NOT withdrawn)::text AS never FROM t`,
    );
    details['filings'] = { sent: options.load.filings.size, answered201: options.load.filed, lost, duplicated, phantom, answeredButDifferentId, viewMismatch };
    details['triage'] = { twice: Number(triage.twice), never: Number(triage.never) };

    // Money: from the fund's own events, and from its view and the API.
    const { rows: windows } = await client.query<{ fiscal_year: number; win: string; allocated: string; committed: string; disbursed: string }>(
      `SELECT (data ->> 'fiscalYear')::int AS fiscal_year, data ->> 'window' AS win,
              sum(CASE WHEN event_type = 'FundsAllocated' THEN (data ->> 'amount')::numeric ELSE 0 END)::text AS allocated,
              sum(CASE WHEN event_type = 'FundsCommitted' THEN (data ->> 'amount')::numeric
                       WHEN event_type = 'CommitmentReleased' THEN -(data ->> 'amount')::numeric ELSE 0 END)::text AS committed,
              sum(CASE WHEN event_type = 'FundsDisbursed' THEN (data ->> 'amount')::numeric ELSE 0 END)::text AS disbursed
         FROM events WHERE stream_id LIKE 'fund-%' GROUP BY 1, 2`,
    );
    let overcommitted = 0;
    for (const w of windows) {
      if (Number(w.committed) > Number(w.allocated) || Number(w.disbursed) > Number(w.committed) || Number(w.committed) < 0) overcommitted++;
    }
    const fund = await fetch(`${options.apiUrl}/v1/funds/${options.fiscalYear}`, { headers: { authorization: `Bearer ${options.officerToken}` } });
    const fundView = (await fund.json()) as { windows?: Record<string, { allocated: number; committed: number; disbursed: number; available: number }> };
    for (const [name, w] of Object.entries(fundView.windows ?? {})) {
      if (w.committed > w.allocated || w.disbursed > w.committed || w.available < 0) overcommitted++;
      const fromEvents = windows.find((row) => row.fiscal_year === options.fiscalYear && row.win === name);
      if (fromEvents !== undefined && (Number(fromEvents.committed) !== w.committed || Number(fromEvents.disbursed) !== w.disbursed)) overcommitted++;
    }
    // Approved grants: the money committed for each equals what was approved (no approval counted twice).
    const approvals = await one<{ n: string }>(
      client,
      `SELECT count(*)::text AS n FROM (
         SELECT data ->> 'requestId' AS request, count(*) AS n FROM events WHERE event_type = 'FundsCommitted' GROUP BY 1 HAVING count(*) > 1) x`,
    );
    overcommitted += Number(approvals.n);
    details['funds'] = { windows, api: fundView.windows, committedTwice: Number(approvals.n) };

    // Disbursements: once per tranche, on the request and on the fund.
    const disbursed = await one<{ request_side: string; fund_side: string; mismatch: string }>(
      client,
      `SELECT (SELECT count(*) FROM (SELECT stream_id, data ->> 'tranche' FROM events WHERE event_type = 'TrancheDisbursed' GROUP BY 1, 2 HAVING count(*) > 1) a)::text AS request_side,
              (SELECT count(*) FROM (SELECT data ->> 'requestId', data ->> 'tranche' FROM events WHERE event_type = 'FundsDisbursed' GROUP BY 1, 2 HAVING count(*) > 1) b)::text AS fund_side,
              abs((SELECT count(*) FROM events WHERE event_type = 'TrancheDisbursed') - (SELECT count(*) FROM events WHERE event_type = 'FundsDisbursed'))::text AS mismatch`,
    );
    const doubleDisbursed = Number(disbursed.request_side) + Number(disbursed.fund_side) + Number(disbursed.mismatch);
    details['disbursements'] = disbursed;

    // Stuck: work left undone after quiet, and failed jobs that are not dead letters.
    const leftover = await one<{ submitted: string; released: string; pending: string }>(
      client,
      `SELECT (SELECT count(*) FROM aid_request_views WHERE status = 'submitted')::text AS submitted,
              (SELECT count(*) FROM aid_request_views v, json_array_elements(v.view -> 'tranches') t
                WHERE t ->> 'status' = 'released')::text AS released,
              (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending')::text AS pending`,
    );
    const { rows: deadLetters } = await client.query<{ queue: string; job_id: string; reason: string }>('SELECT queue, job_id, reason FROM dead_letters');
    const dead = new Set(deadLetters.map((row) => `${row.queue}/${row.job_id}`));
    const failedNotDead: string[] = [];
    for (const name of Object.keys(QUEUE_DEFINITIONS) as QueueName[]) {
      const queue = new Queue(name, { connection: options.queueConnection(), prefix: options.queuePrefix });
      try {
        for (const job of await queue.getFailed(0, 10_000)) {
          if (job.id !== undefined && !dead.has(`${name}/${job.id}`)) failedNotDead.push(`${name}/${job.id}: ${job.failedReason}`);
        }
      } finally {
        await queue.close();
      }
    }
    const stuck = Number(leftover.submitted) + Number(leftover.released) + Number(leftover.pending) + failedNotDead.length + Number(triage.never);
    details['stuck'] = { ...leftover, untriaged: Number(triage.never), failedNotDead: failedNotDead.slice(0, 20), deadLetters: deadLetters.slice(0, 20) };

    // Sealing: every event in the ledger once, seq gap-free, and the API's verification.
    const sealed = await one<{ events: string; ledger: string; max_seq: string | null; distinct_positions: string; missing: string }>(
      client,
      `SELECT (SELECT count(*) FROM events)::text AS events, (SELECT count(*) FROM audit_ledger)::text AS ledger,
              (SELECT max(seq) FROM audit_ledger)::text AS max_seq,
              (SELECT count(DISTINCT global_position) FROM audit_ledger)::text AS distinct_positions,
              (SELECT count(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM audit_ledger l WHERE l.global_position = e.global_position))::text AS missing`,
    );
    const ledgerRows = Number(sealed.ledger);
    const gaps = sealed.max_seq === null ? 0 : Number(sealed.max_seq) + 1 - ledgerRows;
    const unsealed = Number(sealed.missing) + Math.abs(gaps) + (ledgerRows - Number(sealed.distinct_positions));
    const verify = await fetch(`${options.apiUrl}/v1/audit/verify`, { headers: { authorization: `Bearer ${options.auditorToken}` }, signal: AbortSignal.timeout(120_000) });
    const verified = (await verify.json()) as { ok?: boolean; verifiedEvents?: number; firstMismatch?: unknown };
    details['audit'] = { ...sealed, gaps, verify: verified };

    // Webhooks: every message recorded for our endpoints reached its receiver, and every filing reached the fund-wide endpoints.
    const { rows: deliveries } = await client.query<{ id: string; endpoint_id: string; status: string; type: string; request_id: string | null }>(
      'SELECT id, endpoint_id::text, status, type, request_id::text FROM webhook_deliveries',
    );
    let webhooksLost = 0;
    const notReceived: string[] = [];
    for (const delivery of deliveries) {
      if (!options.receivers.received(delivery.id)) {
        webhooksLost++;
        if (notReceived.length < 10) notReceived.push(`${delivery.id} (${delivery.type}, ${delivery.status})`);
      }
    }
    const filedIds = [...options.load.filings]
      .filter(([marker, filing]) => filing.answered201 && filing.id !== undefined && !options.load.uncertain.has(marker))
      .map(([, filing]) => filing.id!);
    let filedWithoutMessage = 0;
    for (const endpoint of options.receivers.fundEndpoints) {
      for (const id of filedIds) if (!options.receivers.sawFiled(endpoint, id)) filedWithoutMessage++;
    }
    webhooksLost += filedWithoutMessage;
    details['webhooks'] = { deliveries: deliveries.length, notReceived, filedWithoutMessage, received: options.receivers.count, repeats: options.receivers.repeats };

    return {
      lost: lost + answeredButDifferentId + viewMismatch,
      duplicated: duplicated + phantom + Number(triage.twice),
      overcommitted,
      double_disbursed: doubleDisbursed,
      stuck,
      unsealed,
      webhooks_lost: webhooksLost,
      audit_ok: verified.ok === true && unsealed === 0,
      details,
    };
  } finally {
    await client.end();
  }
}
