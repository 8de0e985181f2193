export * from './plan/plan.schema';
export { OfflineInterpreter } from './interpreter/offline.interpreter';
export {
  comparePlan,
  normaliseRRule,
  normaliseText,
  parseCases,
  type PlanCase,
} from './interpreter/plan-comparison';
