export * from './plan/plan.schema';
export { OfflineInterpreter } from './interpreter/offline.interpreter';
export {
  comparePlan,
  isVersionOneCase,
  normaliseRRule,
  normaliseText,
  parseCases,
  type PlanCase,
} from './interpreter/plan-comparison';
export * from './assistant.module';
export * from './assistant/assistant-interpreter';
export * from './resolver/time-resolver';
export {
  LlmInterpreter,
  LlmFailure,
  MAX_LLM_ROUNDS,
  type FallbackReason,
  type LlmContext,
} from './llm/llm.interpreter';
export { DATA_OPEN, DATA_CLOSE, type ContextEvent } from './llm/llm-prompt';
export * from './assistant/assistant.service';
export * from './assistant/assistant.dto';
export * from './assistant/assistant.examples';
export {
  ChangesetService,
  CHANGESET_TTL_MS,
  UNDO_WINDOW_MS,
  type ChangesetView,
  type ChangesetOutcome,
  type TimingView,
} from './changesets/changeset.service';
export { ChangesetDoc } from './changesets/changeset.schema';
export { REFERENCED_EVENT, HELP_REPLY, type AssistantUser, type ExecutionResult } from './executor/execution';
