import type { AppConfig } from '../config/app-config';
import type { ApprovalPolicy } from './domain/aid-request.commands';
import type { TriageConfig } from './domain/triage.policy';

/** The triage thresholds and durations from configuration, as the decider takes them. */
export function triageConfig(config: AppConfig): TriageConfig {
  return { sla: config.sla };
}

/** The approval rules from configuration, as the decider takes them. */
export function approvalPolicy(config: AppConfig): ApprovalPolicy {
  return {
    fourEyesThreshold: config.fourEyesThreshold,
    fiscalYearStartMonth: config.fiscalYearStartMonth,
    highRiskMaxTranchePercent: config.highRiskMaxTranchePercent,
    reportingInterval: config.reportingInterval,
  };
}
