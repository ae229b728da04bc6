import { PageQueryDto } from '../../../common/page-query.dto';

export class GetOfficerQueueDto extends PageQueryDto {}
