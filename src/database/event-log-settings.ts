import type { EventLogSubscriptionSettings } from '@app/event-store';
import type { AppConfig } from '../config/app-config';

/** What every consumer of the event log (relay, sealer, notification fan-out) takes from the configuration. */
export function eventLogSettings(config: AppConfig): Pick<EventLogSubscriptionSettings, 'connectionString' | 'statementTimeoutMs' | 'batchSize' | 'idlePollMs' | 'standbyRetryMs'> {
  return {
    connectionString: config.database.url,
    statementTimeoutMs: config.database.statementTimeoutMs,
    batchSize: config.eventLog.batchSize,
    idlePollMs: config.eventLog.pollIntervalMs,
    standbyRetryMs: config.eventLog.standbyRetryMs,
  };
}
