import { Injectable } from '@nestjs/common';
import { ConflictError, GoneError, NotFoundError, PreconditionFailedError } from '@app/common';
import { ChangesetService } from '../../changesets/changeset.service';
import { ExecutionContext, ExecutionResult, IntentUseCase, owner } from '../execution';

/**
 * `undo` ("undo", "never mind, put it back"): reverts the user's latest applied changeset — a
 * confirmed move or cancel (a bulk cancel restores every event), or a create (deleted again) or
 * invite (the guests taken off) — exactly as POST /v1/changesets/{id}/undo does. Refused, with the
 * reason, when an event changed since (ETag) or the 24 hours are over; nothing is reverted then.
 */
@Injectable()
export class UndoUseCase implements IntentUseCase {
  constructor(private readonly changesets: ChangesetService) {}

  async execute(ctx: ExecutionContext): Promise<ExecutionResult> {
    const me = owner(ctx.user);
    const latest = await this.changesets.latestApplied(me);
    if (!latest)
      return {
        reply: 'There is nothing to undo: I have made no change you can still revert.',
        outcome: 'not_found',
      };
    try {
      const outcome = await this.changesets.undo(me, latest.id, ctx.now);
      return { reply: outcome.reply, outcome: 'ok', changeset: outcome.changeset };
    } catch (err) {
      if (
        err instanceof PreconditionFailedError ||
        err instanceof GoneError ||
        err instanceof ConflictError ||
        err instanceof NotFoundError
      )
        return {
          reply: `I can't undo the last change (${latest.summary}): ${err.message}`,
          outcome: 'refused',
          changeset: latest,
        };
      throw err;
    }
  }
}
