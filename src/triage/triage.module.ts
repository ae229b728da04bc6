import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import { AidRequestsModule } from '../aid-requests/aid-requests.module';
import { APP_CONFIG } from '../config/app-config';
import { FundsModule } from '../funds/funds.module';
import { QueuesModule } from '../queues/queues.module';
import { ReviewRoundsModule } from '../review-rounds/review-rounds.module';
import { AssessIncidentProcessor } from './jobs/assess-incident.processor';
import { createIncidentAssessmentPool, INCIDENT_ASSESSMENT_POOL, IncidentAssessmentStore } from './jobs/incident-assessment.store';
import { CapacityGrantsProcessor } from './jobs/capacity-grants.processor';
import { SlaProcessor } from './jobs/sla.processor';
import { TriageAidRequestProcessor } from './jobs/triage-aid-request.processor';

/**
 * Triage as the queues drive it (worker role): the triage job itself, the two tracks' follow-ups
 * (incident response, capacity grants) and the SLA sweep. The policies they apply are the aid
 * request's (aid-requests/domain). The incident assessments have connections of their own
 * (createIncidentAssessmentPool), closed with the module.
 */
@Module({
  imports: [AidRequestsModule, FundsModule, QueuesModule, ReviewRoundsModule],
  providers: [
    { provide: INCIDENT_ASSESSMENT_POOL, inject: [APP_CONFIG], useFactory: createIncidentAssessmentPool },
    IncidentAssessmentStore,
    TriageAidRequestProcessor,
    AssessIncidentProcessor,
    CapacityGrantsProcessor,
    SlaProcessor,
  ],
  exports: [TriageAidRequestProcessor, AssessIncidentProcessor, CapacityGrantsProcessor, SlaProcessor],
})
export class TriageModule implements OnApplicationShutdown {
  constructor(@Inject(INCIDENT_ASSESSMENT_POOL) private readonly incidentAssessments: Pool) {}

  async onApplicationShutdown(): Promise<void> {
    await this.incidentAssessments.end();
  }
}
