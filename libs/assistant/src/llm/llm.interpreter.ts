import { Injectable, Logger } from '@nestjs/common';
import type { AIMessageChunk, BaseMessage } from '@langchain/core/messages';
import type { ChatOpenAI } from '@langchain/openai';
import { DomainError } from '@app/common';
import { AppConfig } from '@app/config';
import { Counter, InjectMetric, METRICS } from '@app/observability';
import { InterpretRequest, Plan } from '../plan/plan.schema';
import { ResolveContext, TimeResolver, WorkingHoursLike } from '../resolver/time-resolver';
import { InvalidToolOutput, ToolPlanBuilder } from './llm-plan-builder';
import { ContextEvent, dataBlock, systemPrompt } from './llm-prompt';
import { isIntentTool, RESOLVE_TIME_TOOL, ResolveTimeArgsSchema, toolDefinitions } from './llm-tools';

/** Why the LLM interpreter gave up (the `reason` label of assistant_fallbacks_total). */
export type FallbackReason = 'error' | 'timeout' | 'invalid_output' | 'no_tool_call';

export class LlmFailure extends Error {
  constructor(
    readonly reason: FallbackReason,
    message: string,
    readonly toolCallIds: string[] = [],
  ) {
    super(message);
    this.name = 'LlmFailure';
  }
}

export interface LlmContext {
  /** The user's upcoming events: shown to the model as quoted data only. */
  events?: ContextEvent[];
  workingHours?: WorkingHoursLike;
}

export interface LlmInterpretation {
  plan: Plan;
  model: string;
  toolCallIds: string[];
}

/** At most this many model calls per request (resolve_time rounds, then the action). */
export const MAX_LLM_ROUNDS = 3;

type BoundChat = ReturnType<ChatOpenAI['bindTools']>;
type Messages = typeof import('@langchain/core/messages');

/** LangChain, loaded on first use: the offline CLI path never pays for it. */
interface LangChain {
  chat: BoundChat;
  messages: Messages;
}

/**
 * The LLM interpreter: LangChain tool calling against any OpenAI-compatible endpoint. The model
 * picks a tool (one per intent) and fills it with the request's words; our TimeResolver does every
 * date computation, and the result is validated against PlanSchema before anything may act on it.
 * Bounded by LLM_TIMEOUT_MS for the whole exchange and by MAX_LLM_ROUNDS model calls; every
 * failure is an LlmFailure with a reason, and the caller falls back to the offline interpreter.
 */
@Injectable()
export class LlmInterpreter {
  private readonly logger = new Logger(LlmInterpreter.name);
  private langchain: Promise<LangChain> | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly resolver: TimeResolver,
    @InjectMetric(METRICS.assistantLlmTokens) private readonly tokens: Counter<string>,
  ) {}

  private load(): Promise<LangChain> {
    this.langchain ??= (async () => {
      const { ChatOpenAI } = await import('@langchain/openai');
      const messages = await import('@langchain/core/messages');
      const { apiKey, baseUrl, model, timeoutMs } = this.config.llm;
      const chat = new ChatOpenAI({
        model,
        apiKey,
        temperature: 0,
        timeout: timeoutMs,
        maxRetries: 0,
        streaming: false,
        useResponsesApi: false,
        ...(baseUrl ? { configuration: { baseURL: baseUrl } } : {}),
      }).bindTools(toolDefinitions(), { tool_choice: 'required' });
      return { chat, messages };
    })();
    return this.langchain;
  }

  /** True when OPENAI_API_KEY is configured. */
  get enabled(): boolean {
    return !!this.config.llm.apiKey;
  }

  get model(): string {
    return this.config.llm.model;
  }

  async interpret(req: InterpretRequest, context: LlmContext = {}): Promise<LlmInterpretation> {
    if (!this.enabled) throw new LlmFailure('error', 'the LLM interpreter is not configured');
    const { chat, messages: lc } = await this.load();
    const { HumanMessage, SystemMessage, ToolMessage } = lc;
    const ctx: ResolveContext = {
      now: new Date(req.now),
      timeZone: req.timeZone,
      workingHours: context.workingHours,
    };
    const builder = new ToolPlanBuilder(this.resolver, ctx);
    const messages: BaseMessage[] = [new SystemMessage(systemPrompt(ctx.now, ctx.timeZone))];
    if (context.events) messages.push(new HumanMessage(dataBlock(context.events)));
    messages.push(new HumanMessage(req.text));

    const timeoutMs = this.config.llm.timeoutMs;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const ids: string[] = [];
    try {
      for (let round = 1; round <= MAX_LLM_ROUNDS; round++) {
        const ai = (await chat.invoke(messages, { signal: controller.signal })) as AIMessageChunk;
        this.countTokens(ai);
        const calls = ai.tool_calls ?? [];
        const invalid = ai.invalid_tool_calls ?? [];
        ids.push(...[...calls, ...invalid].map((c) => c.id).filter((id): id is string => !!id));
        if (invalid.length)
          throw new LlmFailure(
            'invalid_output',
            `malformed arguments for ${invalid.map((c) => c.name).join(', ')}`,
            ids,
          );
        if (calls.length === 0)
          throw new LlmFailure('no_tool_call', 'the model answered without calling a tool', ids);
        const strangers = calls.filter((c) => !isIntentTool(c.name) && c.name !== RESOLVE_TIME_TOOL.name);
        if (strangers.length)
          throw new LlmFailure('invalid_output', `unknown tool ${strangers[0].name}`, ids);
        const actions = calls.filter((c) => isIntentTool(c.name));
        if (actions.length > 1)
          throw new LlmFailure('invalid_output', `${actions.length} actions for one request`, ids);
        if (actions.length === 1) {
          const action = actions[0];
          try {
            const plan = builder.build(action.name as Parameters<ToolPlanBuilder['build']>[0], action.args);
            return { plan, model: this.model, toolCallIds: ids };
          } catch (err) {
            if (err instanceof InvalidToolOutput || err instanceof DomainError)
              throw new LlmFailure('invalid_output', err.message, ids);
            throw err;
          }
        }
        // Only resolve_time calls: answer them and ask again.
        messages.push(ai);
        for (const call of calls) {
          messages.push(
            new ToolMessage({
              tool_call_id: call.id ?? '',
              content: JSON.stringify(this.resolveForModel(call.args, ctx)),
            }),
          );
        }
      }
      throw new LlmFailure('no_tool_call', `no action after ${MAX_LLM_ROUNDS} model calls`, ids);
    } catch (err) {
      if (err instanceof LlmFailure) throw err;
      if (controller.signal.aborted || isTimeout(err))
        throw new LlmFailure('timeout', `no answer within ${timeoutMs} ms`, ids);
      this.logger.warn(`LLM call failed: ${(err as Error).message}`);
      throw new LlmFailure('error', (err as Error).message, ids);
    } finally {
      clearTimeout(timer);
    }
  }

  /** resolve_time for the model: the resolver's reading, compact. */
  private resolveForModel(args: unknown, ctx: ResolveContext): unknown {
    const parsed = ResolveTimeArgsSchema.safeParse(args);
    if (!parsed.success) return { error: 'expected {"text": "<time phrase>"}' };
    try {
      const r = this.resolver.resolve(parsed.data.text, ctx);
      return {
        kind: r.kind,
        candidates: r.candidates.map((c) => ({ start: c.startLocal, end: c.endLocal, allDay: c.allDay })),
        recurrence: r.recurrence,
        ambiguous: r.ambiguous,
        alternatives: r.alternatives.map((a) => ({ reading: a.reading, start: a.startLocal })),
        in_past: r.in_past,
        in_dst_gap: r.in_dst_gap,
        in_dst_overlap: r.in_dst_overlap,
        outside_working_hours: r.outside_working_hours,
        not_understood: r.unparsed || null,
      };
    } catch (err) {
      return { error: (err as Error).message };
    }
  }

  private countTokens(ai: AIMessageChunk): void {
    const usage = ai.usage_metadata;
    if (!usage) return;
    if (usage.input_tokens > 0) this.tokens.inc({ type: 'prompt' }, usage.input_tokens);
    if (usage.output_tokens > 0) this.tokens.inc({ type: 'completion' }, usage.output_tokens);
  }
}

function isTimeout(err: unknown): boolean {
  const e = err as { name?: string; message?: string };
  return /timeout|abort/i.test(e?.name ?? '') || /timed? ?out|aborted/i.test(e?.message ?? '');
}
