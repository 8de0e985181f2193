import { Injectable, Logger } from '@nestjs/common';
import { ValidationError } from '@app/common';
import { Counter, InjectMetric, METRICS } from '@app/observability';
import { OfflineInterpreter } from '../interpreter/offline.interpreter';
import { FallbackReason, LlmContext, LlmFailure, LlmInterpreter } from '../llm/llm.interpreter';
import { InterpretRequest, InterpretRequestSchema, Plan } from '../plan/plan.schema';

export type InterpreterName = 'offline' | 'llm';
/** auto: the LLM when OPENAI_API_KEY is set, else offline. */
export type InterpreterMode = 'auto' | 'offline' | 'llm';

/** A plan and how it was made (stored on changesets, counted in metrics). */
export interface Interpretation {
  plan: Plan;
  /** The interpreter that produced the plan (offline after a fallback). */
  interpreter: InterpreterName;
  /** The model asked, when an LLM was involved (also after a fallback). */
  model: string | null;
  /** The tool-call ids of the LLM exchange. */
  toolCallIds: string[];
  /** Set when the LLM was asked and the offline interpreter answered instead. */
  fallbackReason: FallbackReason | null;
}

const UNKNOWN: Plan = { intent: 'unknown', event: null, target: null, window: null, durationMinutes: null };

/**
 * The configured interpreter: the LLM interpreter when a model is configured, the offline one
 * otherwise — and the offline one whenever the LLM fails (error, timeout, invalid output, no tool
 * call), counted in assistant_fallbacks_total{reason}.
 */
@Injectable()
export class AssistantInterpreter {
  private readonly logger = new Logger(AssistantInterpreter.name);

  constructor(
    private readonly offline: OfflineInterpreter,
    private readonly llm: LlmInterpreter,
    @InjectMetric(METRICS.assistantFallbacks) private readonly fallbacks: Counter<string>,
  ) {}

  get llmEnabled(): boolean {
    return this.llm.enabled;
  }

  /** The configured model name (OPENAI_MODEL). */
  get llmModel(): string {
    return this.llm.model;
  }

  /** Which interpreter a mode selects; `llm` without a configured model is a usage error. */
  select(mode: InterpreterMode = 'auto'): InterpreterName {
    if (mode === 'llm' && !this.llm.enabled) {
      throw new ValidationError(
        'The LLM interpreter is not configured: set OPENAI_API_KEY (and OPENAI_BASE_URL, OPENAI_MODEL).',
      );
    }
    return mode === 'offline' || !this.llm.enabled ? 'offline' : 'llm';
  }

  /** The offline interpreter alone: synchronous, deterministic, no network. */
  interpretOffline(req: InterpretRequest): Plan {
    try {
      return this.offline.interpret(req);
    } catch (err) {
      this.logger.error(`offline interpreter failed on a request: ${(err as Error).message}`);
      return { ...UNKNOWN };
    }
  }

  async interpret(
    req: InterpretRequest,
    context: LlmContext = {},
    mode: InterpreterMode = 'auto',
  ): Promise<Interpretation> {
    const valid = InterpretRequestSchema.safeParse(req);
    if (!valid.success) {
      throw new ValidationError(
        `Invalid request: ${valid.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
      );
    }
    if (this.select(mode) === 'offline') {
      return {
        plan: this.interpretOffline(req),
        interpreter: 'offline',
        model: null,
        toolCallIds: [],
        fallbackReason: null,
      };
    }
    try {
      const result = await this.llm.interpret(req, context);
      return {
        plan: result.plan,
        interpreter: 'llm',
        model: result.model,
        toolCallIds: result.toolCallIds,
        fallbackReason: null,
      };
    } catch (err) {
      const failure = err instanceof LlmFailure ? err : new LlmFailure('error', (err as Error).message);
      this.fallbacks.inc({ reason: failure.reason });
      this.logger.warn(`LLM interpreter fell back to offline (${failure.reason}): ${failure.message}`);
      return {
        plan: this.interpretOffline(req),
        interpreter: 'offline',
        model: this.llm.model,
        toolCallIds: failure.toolCallIds,
        fallbackReason: failure.reason,
      };
    }
  }
}
