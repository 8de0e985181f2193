import { Injectable } from '@nestjs/common';
import { AssistantMemoryStore } from '@app/cache';
import type { Interpretation } from '../assistant/assistant-interpreter';
import { Plan } from '../plan/plan.schema';
import { ExecutionContext, ExecutionResult, IntentUseCase, PendingChoice } from './execution';
import { CancelUseCase } from './intents/cancel.use-case';
import { CheckUseCase } from './intents/check.use-case';
import { CreateUseCase } from './intents/create.use-case';
import { FindFreeUseCase } from './intents/find-free.use-case';
import { InviteUseCase } from './intents/invite.use-case';
import { ListUseCase } from './intents/list.use-case';
import { MoveUseCase } from './intents/move.use-case';
import { UndoUseCase } from './intents/undo.use-case';
import { UnknownUseCase } from './intents/unknown.use-case';
import { pickPerson, withPerson } from './people-resolver';
import { TargetFinder } from './target-finder';

/** Every use case the executor dispatches to, for the module's providers. */
export const INTENT_USE_CASES = [
  CreateUseCase,
  ListUseCase,
  FindFreeUseCase,
  MoveUseCase,
  CancelUseCase,
  CheckUseCase,
  InviteUseCase,
  UndoUseCase,
  UnknownUseCase,
];

/**
 * Carries a plan out on the caller's calendar by handing it to its intent's use case. list,
 * find_free and check answer at once; create and invite act at once and record an applied
 * changeset; move and cancel (one event, or with target.all every matching one) only ever produce
 * a changeset (a preview to confirm); undo reverts the latest applied changeset. Anything else is
 * unknown.
 */
@Injectable()
export class PlanExecutor {
  private readonly byIntent: Partial<Record<Plan['intent'], IntentUseCase>>;

  constructor(
    create: CreateUseCase,
    list: ListUseCase,
    findFree: FindFreeUseCase,
    private readonly move: MoveUseCase,
    private readonly cancel: CancelUseCase,
    check: CheckUseCase,
    private readonly invite: InviteUseCase,
    undo: UndoUseCase,
    private readonly unknown: UnknownUseCase,
    private readonly targets: TargetFinder,
    private readonly memory: AssistantMemoryStore,
  ) {
    this.byIntent = { create, list, find_free: findFree, move, cancel, check, invite, undo };
  }

  async execute(ctx: ExecutionContext): Promise<ExecutionResult> {
    const plan = ctx.interpretation.plan;
    const result = await (this.byIntent[plan.intent] ?? this.unknown).execute(ctx, plan);
    if (result.result?.type === 'people') {
      // "Which Sam?": the answer ("2", "Sam Ray", an address) continues this plan.
      const { plan: _plan, ...interpretation } = ctx.interpretation;
      const { name, choices } = result.result;
      await this.memory.savePendingChoice<PendingChoice>(ctx.user.id, {
        plan,
        text: ctx.text,
        interpretation,
        candidates: [],
        person: { name, choices },
      });
    }
    return result;
  }

  /** Continues a move, cancel or invite with the candidate an answer picked; null when the answer picks none. */
  async answerChoice(
    ctx: Omit<ExecutionContext, 'interpretation'>,
    pending: PendingChoice,
  ): Promise<ExecutionResult | null> {
    if (pending.person) {
      const chosen = pickPerson(ctx.text, pending.person.choices);
      if (!chosen) return null;
      const plan = withPerson(pending.plan, pending.person.name, chosen.email);
      return this.execute({
        ...ctx,
        text: pending.text,
        interpretation: { ...pending.interpretation, plan },
      });
    }
    const candidate = this.targets.answer(ctx, pending);
    if (candidate === null) return null;
    const interpretation: Interpretation = { ...pending.interpretation, plan: pending.plan };
    const resumed = { ...ctx, text: pending.text, interpretation };
    if (pending.plan.intent === 'invite') return this.invite.inviteTo(resumed, pending.plan, candidate);
    const useCase = pending.plan.intent === 'move' ? this.move : this.cancel;
    return useCase.previewFor(resumed, pending.plan, candidate);
  }
}
