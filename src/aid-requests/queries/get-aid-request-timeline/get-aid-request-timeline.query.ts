import { Query } from '@nestjs/cqrs';
import type { Actor } from '../../../auth/actor';

export interface TimelineItem {
  readonly position: number;
  readonly version: number;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly metadata: unknown;
  readonly recordedAt: string;
}

/** Resolves to the request's events in stream order, or undefined when not visible. */
export class GetAidRequestTimelineQuery extends Query<readonly TimelineItem[] | undefined> {
  constructor(
    readonly id: string,
    readonly actor: Actor,
  ) {
    super();
  }
}
