import { Injectable } from '@nestjs/common';
import { EventStore, handleCommand } from '@app/event-store';
import type { Actor } from '../../auth/actor';
import { IdGenerator } from '../../common/ids';
import type { IdempotencyClaim } from '../../common/idempotency/idempotency';
import { IdempotencyStore } from '../../common/idempotency/idempotency.store';
import type { RequestMeta } from '../../common/request-meta';
import type { AidRequestCommand } from '../domain/aid-request.commands';
import { aidRequestDecider } from '../domain/aid-request.decider';
import { AID_REQUEST_STREAM_TYPE, aidRequestStreamId } from '../domain/aid-request.events';
import { isExisting, toAidRequestView, type AidRequestView } from '../projections/aid-request-view';
import { AidRequestViewProjection } from '../projections/aid-request-view.projection';

export interface RunOptions {
  readonly actor: Actor;
  readonly meta: RequestMeta;
  readonly idempotency?: IdempotencyClaim | undefined;
  /** A creation: the stream is not read first. */
  readonly expectNew?: boolean;
}

/**
 * The one path by which a command reaches an aid request: decide against the stream, append,
 * project the view and record the idempotent response, all in one transaction.
 */
@Injectable()
export class AidRequestCommandRunner {
  constructor(
    private readonly eventStore: EventStore,
    private readonly ids: IdGenerator,
    private readonly projection: AidRequestViewProjection,
    private readonly idempotency: IdempotencyStore,
  ) {}

  async run(requestId: string, command: AidRequestCommand, options: RunOptions): Promise<AidRequestView> {
    const claim = options.idempotency;
    let view: AidRequestView | undefined;
    await handleCommand(this.eventStore, aidRequestDecider, command, {
      streamId: aidRequestStreamId(requestId),
      streamType: AID_REQUEST_STREAM_TYPE,
      metadata: {
        actor: options.actor.country === undefined
          ? { sub: options.actor.sub, role: options.actor.role }
          : { sub: options.actor.sub, role: options.actor.role, country: options.actor.country },
        requestId: options.meta.requestId,
        correlationId: options.meta.correlationId,
        commandId: this.ids.newId(),
      },
      newEventId: () => this.ids.newId(),
      expectNew: options.expectNew === true,
      ...(claim ? { beforeAppend: (tx) => this.idempotency.claim(tx, claim) } : {}),
      afterAppend: async (tx, outcome) => {
        if (!isExisting(outcome.state)) throw new Error(`aid request ${requestId} has no state after ${command.type}`);
        view = toAidRequestView(outcome.state, outcome.version);
        if (outcome.events.length > 0) await this.projection.project(tx, view);
        if (claim) await this.idempotency.record(tx, claim, view);
      },
    });
    if (view === undefined) throw new Error(`aid request ${requestId}: no view after ${command.type}`);
    return view;
  }
}
