export {
  BOUNDS,
  DEFAULTS,
  isScenario,
  OptionsError,
  resolveOptions,
  SCENARIOS,
  type ScenarioName,
  type SimOptions,
  targetUrls,
} from './options.js';
export { renderHtml } from './report/html.js';
export { renderTable } from './report/table.js';
export type { CapacityStep, Check, DropsFigures, HttpFigures, RunResult } from './result.js';
export { type RunHooks, runScenario, selfStartedGraceMs, serverEnvFor } from './run.js';
export { parseTargetUrl, TargetError } from './target.js';
export { RULES, type Rule } from './verify/violations.js';
