import { EventStore1795852800000 } from './1795852800000-EventStore';
import { AidRequestViews1795852800001 } from './1795852800001-AidRequestViews';
import { Triage1795852800002 } from './1795852800002-Triage';
import { SingleRoundTripAppends1795852800003 } from './1795852800003-SingleRoundTripAppends';
import { Funds1795852800004 } from './1795852800004-Funds';
import { AuditLedger1795852800005 } from './1795852800005-AuditLedger';
import { PlpgsqlEffects1795852800006 } from './1795852800006-PlpgsqlEffects';
import { DropUnusedIndexes1795852800007 } from './1795852800007-DropUnusedIndexes';
import { AppendBatches1795852800008 } from './1795852800008-AppendBatches';
import { SealBatches1795852800009 } from './1795852800009-SealBatches';
import { InstallProjections1795852800010 } from './1795852800010-InstallProjections';
import { AppendsWithoutSubtransactions1795852800011 } from './1795852800011-AppendsWithoutSubtransactions';
import { Webhooks1795852800200 } from './1795852800200-Webhooks';
import { TlpMarkings1795852800300 } from './1795852800300-TlpMarkings';
import { DocumentStore1795852800301 } from './1795852800301-DocumentStore';
import { PersonalDataKeys1795852800500 } from './1795852800500-PersonalDataKeys';
import { GrantPeriodInViews1795852800520 } from './1795852800520-GrantPeriodInViews';
import { SlaDeadlineIndexes1795852800640 } from './1795852800640-SlaDeadlineIndexes';
import { DocumentBlobKeep1795852800650 } from './1795852800650-DocumentBlobKeep';
import { ApprovedGrantsIndex1795852800660 } from './1795852800660-ApprovedGrantsIndex';
import { NearestIncidentsIndex1795852800670 } from './1795852800670-NearestIncidentsIndex';
import { SubmittedRequestsIndex1795852800680 } from './1795852800680-SubmittedRequestsIndex';

/** Every migration, in order. Listed explicitly so that the app, the CLI and the tests load the same set. */
export const MIGRATIONS = [
  EventStore1795852800000,
  AidRequestViews1795852800001,
  Triage1795852800002,
  SingleRoundTripAppends1795852800003,
  Funds1795852800004,
  AuditLedger1795852800005,
  PlpgsqlEffects1795852800006,
  DropUnusedIndexes1795852800007,
  AppendBatches1795852800008,
  SealBatches1795852800009,
  InstallProjections1795852800010,
  AppendsWithoutSubtransactions1795852800011,
  Webhooks1795852800200,
  TlpMarkings1795852800300,
  DocumentStore1795852800301,
  PersonalDataKeys1795852800500,
  GrantPeriodInViews1795852800520,
  SlaDeadlineIndexes1795852800640,
  DocumentBlobKeep1795852800650,
  ApprovedGrantsIndex1795852800660,
  NearestIncidentsIndex1795852800670,
  SubmittedRequestsIndex1795852800680,
];
