import type { ScenarioName } from '../options.js';
import { capacity } from './capacity.js';
import { drops } from './drops.js';
import { fanout } from './fanout.js';
import type { Scenario } from './harness.js';
import { publish } from './publish.js';
import { scripted } from './scripted.js';

export const scenarios: Record<ScenarioName, Scenario> = {
  semantics: scripted('semantics'),
  fanout,
  capacity,
  churn: scripted('churn'),
  publish,
  drops,
};

export type { Scenario, ScenarioEnv, ScenarioOutcome } from './harness.js';
