/** The contract's default REPORTING_INTERVAL: a capacity grant's progress report every three calendar months. */
export const DEFAULT_REPORTING_INTERVAL = 'P3M';
