import { Injectable, Logger } from '@nestjs/common';
import { AssistantMemoryStore } from '@app/cache';
import { EventQueryService, formatInZone } from '@app/calendar';
import { ForbiddenError } from '@app/common';
import { Counter, Histogram, InjectMetric, METRICS } from '@app/observability';
import { AssistantUser, ExecutionResult, PendingChoice, REFERENCED_EVENT } from '../executor/execution';
import { PlanExecutor } from '../executor/plan.executor';
import { ContextEvent } from '../llm/llm-prompt';
import { Plan } from '../plan/plan.schema';
import { AssistantInterpreter, Interpretation, InterpreterName } from './assistant-interpreter';

const DAY_MS = 86_400_000;
const CONTEXT_DAYS_AHEAD = 14;

/** "move it to 4pm", "cancel that": a verb with a pronoun where the event's name would be. */
const PRONOUN_REQUEST =
  /^(\W*(?:please\s+)?(?:move|reschedule|push|shift|postpone|bump|delay|change|make|bring|cancel|delete|remove|drop|call\s+off)\s+)(?:it|that|this)(?:\s+(?:one|event|meeting|appointment))?(?=[\s.!?,]|$)/i;

/** Intents the executor applies at once (creates, invites, undo); moves and cancels only preview. */
const APPLIED_AT_ONCE: ReadonlySet<Plan['intent']> = new Set(['create', 'invite', 'undo']);

export interface AssistantMessageOptions {
  /**
   * A read-only credential (scope `read`): questions are answered and moves or cancels previewed
   * (a preview changes no event, and confirming it is the caller's to refuse), but a request the
   * executor would apply at once is refused with a ForbiddenError before anything runs.
   */
  readOnly?: boolean;
}

export interface AssistantMessageResult extends ExecutionResult {
  plan: Plan;
  interpreter: InterpreterName;
}

/**
 * POST /v1/assistant/messages (rate limited per user by the API's `assistant` throttler,
 * RATE_LIMIT_ASSISTANT_PER_MINUTE): a pending "which one?" answer, interpretation (LLM or
 * offline), execution on the caller's calendar, metrics. The request text never leaves this user's
 * scope: every lookup and write is owner-scoped, and the LLM sees other text only as quoted data.
 */
@Injectable()
export class AssistantService {
  private readonly logger = new Logger(AssistantService.name);

  constructor(
    private readonly interpreter: AssistantInterpreter,
    private readonly executor: PlanExecutor,
    private readonly memory: AssistantMemoryStore,
    private readonly queries: EventQueryService,
    @InjectMetric(METRICS.assistantRequests) private readonly requests: Counter<string>,
    @InjectMetric(METRICS.assistantRequestDuration) private readonly duration: Histogram<string>,
  ) {}

  async message(
    user: AssistantUser,
    text: string,
    now = new Date(),
    options: AssistantMessageOptions = {},
  ): Promise<AssistantMessageResult> {
    const started = performance.now();
    let interpreter: InterpreterName = 'offline';
    let intent: string = 'unknown';
    try {
      const answered = await this.answerPendingChoice(user, text, now, options);
      if (answered) {
        interpreter = answered.interpreter;
        intent = answered.plan.intent;
        this.count(interpreter, intent, answered.outcome, started);
        return answered;
      }
      const interpretation = await this.interpret(user, text, now);
      interpreter = interpretation.interpreter;
      intent = interpretation.plan.intent;
      refuseIfReadOnly(interpretation.plan.intent, options);
      const result = await this.executor.execute({ user, now, text, interpretation });
      this.count(interpreter, intent, result.outcome, started);
      return { ...result, plan: interpretation.plan, interpreter };
    } catch (err) {
      this.count(interpreter, intent, 'error', started);
      throw err;
    }
  }

  /** The answer to a pending "which one?" question ("2", "the 3pm one"); null when the text is something else. */
  private async answerPendingChoice(
    user: AssistantUser,
    text: string,
    now: Date,
    options: AssistantMessageOptions,
  ): Promise<AssistantMessageResult | null> {
    const pending = await this.memory.pendingChoice<PendingChoice>(user.id);
    if (!pending) return null;
    refuseIfReadOnly(pending.plan.intent, options);
    await this.memory.clearPendingChoice(user.id);
    const result = await this.executor.answerChoice({ user, now, text }, pending);
    return result ? { ...result, plan: pending.plan, interpreter: pending.interpretation.interpreter } : null;
  }

  private async interpret(user: AssistantUser, text: string, now: Date): Promise<Interpretation> {
    const req = { text, now: formatInZone(now, user.timeZone), timeZone: user.timeZone };
    const context = this.interpreter.llmEnabled
      ? { events: await this.contextEvents(user, now), workingHours: user.workingHours }
      : {};
    const interpretation = await this.interpreter.interpret(req, context);
    if (interpretation.plan.intent !== 'unknown' || !PRONOUN_REQUEST.test(text)) return interpretation;
    // "move it to 4pm": the rules need a name where the pronoun is; the executor maps it back.
    const plan = this.interpreter.interpretOffline({
      ...req,
      text: text.replace(PRONOUN_REQUEST, `$1${REFERENCED_EVENT}`),
    });
    return plan.intent === 'move' || plan.intent === 'cancel'
      ? { ...interpretation, plan, interpreter: 'offline' }
      : interpretation;
  }

  /** The user's upcoming events for the LLM (quoted as data, never as instructions). */
  private async contextEvents(user: AssistantUser, now: Date): Promise<ContextEvent[]> {
    try {
      const occurrences = await this.queries.occurrences(
        [user.id],
        new Date(now.getTime() - DAY_MS),
        new Date(now.getTime() + CONTEXT_DAYS_AHEAD * DAY_MS),
      );
      return occurrences.slice(0, 30).map(({ occurrence: o, series: s }) => {
        const fields = { ...s.fields, ...o.fields };
        return {
          title: fields.title ?? '',
          start: formatInZone(o.start, user.timeZone),
          end: formatInZone(o.end, user.timeZone),
          allDay: o.allDay,
          location: fields.location ?? null,
          description: fields.description ?? null,
        };
      });
    } catch (err) {
      this.logger.warn(`could not read events for the LLM context: ${(err as Error).message}`);
      return [];
    }
  }

  private count(interpreter: string, intent: string, outcome: string, started: number): void {
    this.requests.inc({ interpreter, intent, outcome });
    this.duration.observe({ interpreter }, (performance.now() - started) / 1000);
  }
}

function refuseIfReadOnly(intent: Plan['intent'], options: AssistantMessageOptions): void {
  if (options.readOnly && APPLIED_AT_ONCE.has(intent))
    throw new ForbiddenError(
      `This credential is read-only (scope read): the assistant would ${intent === 'undo' ? 'undo a change' : intent === 'invite' ? 'invite people' : 'create an event'}, which needs a write-scope credential.`,
    );
}
