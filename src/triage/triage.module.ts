import { Module } from '@nestjs/common';
import { AidRequestsModule } from '../aid-requests/aid-requests.module';
import { FundsModule } from '../funds/funds.module';
import { QueuesModule } from '../queues/queues.module';
import { ReviewRoundsModule } from '../review-rounds/review-rounds.module';
import { AssessIncidentProcessor } from './jobs/assess-incident.processor';
import { IncidentAssessmentStore } from './jobs/incident-assessment.store';
import { CapacityGrantsProcessor } from './jobs/capacity-grants.processor';
import { SlaProcessor } from './jobs/sla.processor';
import { TriageAidRequestProcessor } from './jobs/triage-aid-request.processor';

/**
 * Triage as the queues drive it (worker role): the triage job itself, the two tracks' follow-ups
 * (incident response, capacity grants) and the SLA sweep. The policies they apply are the aid
 * request's (aid-requests/domain).
 */
@Module({
  imports: [AidRequestsModule, FundsModule, QueuesModule, ReviewRoundsModule],
  providers: [IncidentAssessmentStore, TriageAidRequestProcessor, AssessIncidentProcessor, CapacityGrantsProcessor, SlaProcessor],
  exports: [TriageAidRequestProcessor, AssessIncidentProcessor, CapacityGrantsProcessor, SlaProcessor],
})
export class TriageModule {}
