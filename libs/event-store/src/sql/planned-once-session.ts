/**
 * The options of a PostgreSQL session whose few statements are index lookups by design, each
 * planned once for any values (`plan_cache_mode`) instead of afresh on every call where PostgreSQL's
 * plan cache would keep choosing custom plans. That one plan is made at the session's first call —
 * perhaps on a new, empty table never analysed, where reading a whole table looks cheapest — and is
 * kept while the table grows until PostgreSQL next analyses it: with sequential scans priced out
 * (`enable_seqscan`) it is the plan a large table wants from the start.
 *
 * Only for connections of their own that run nothing else: every statement on such a session needs
 * a test of its plan on an empty table and on a large analysed one (the event log's consumers:
 * test/event-store/event-log-read-plans; the incident assessment: test/triage/incident-assessment-plans).
 */
export const PLANNED_ONCE_SESSION_OPTIONS = '-c plan_cache_mode=force_generic_plan -c enable_seqscan=off';
