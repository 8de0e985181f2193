import { Injectable } from '@nestjs/common';
import { Plan } from '../../plan/plan.schema';
import { ChangePreviewer } from '../change-preview';
import { OccurrenceCandidate } from '../event-matcher';
import { ExecutionContext, ExecutionResult, IntentUseCase } from '../execution';
import { formatSpan, quote } from '../format';
import { TargetFinder } from '../target-finder';

/** `cancel`: finds the one occurrence meant and previews its removal (never applied unconfirmed). */
@Injectable()
export class CancelUseCase implements IntentUseCase {
  constructor(
    private readonly targets: TargetFinder,
    private readonly previewer: ChangePreviewer,
  ) {}

  execute(ctx: ExecutionContext, plan: Plan): Promise<ExecutionResult> {
    return this.targets.findThen(ctx, plan, (found) => this.previewFor(ctx, plan, found));
  }

  /** The preview for a known occurrence (also the answer to a "which one?" question). */
  previewFor(ctx: ExecutionContext, plan: Plan, c: OccurrenceCandidate): Promise<ExecutionResult> {
    const zone = ctx.user.timeZone;
    return this.previewer.preview(ctx, plan, 'cancel', c, (before) =>
      Promise.resolve({
        after: null,
        conflicts: [],
        summary: `Cancel ${quote(c.title)} on ${formatSpan(before.start, before.end, before.allDay, zone)}`,
      }),
    );
  }
}
