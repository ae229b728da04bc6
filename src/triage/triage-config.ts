import type { AppConfig } from '../config/app-config';
import type { TriageConfig } from './domain/triage.policy';

export function triageConfig(config: AppConfig): TriageConfig {
  return { sla: config.sla };
}
