import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PlanSchema } from '../plan/plan.schema';
import { OfflineInterpreter } from './offline.interpreter';
import { comparePlan, parseCases } from './plan-comparison';

// Our own larger case file (same format as the contract's sample), scored like score.mjs does.
const CASES = path.resolve(__dirname, '../../test/cases.jsonl');
const REQUIRED_PASS_RATE = 0.95;

describe('OfflineInterpreter on libs/assistant/test/cases.jsonl', () => {
  const interpreter = new OfflineInterpreter();
  const cases = parseCases(readFileSync(CASES, 'utf8'));

  it('holds at least 240 cases with unique ids', () => {
    expect(cases.length).toBeGreaterThanOrEqual(240);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
  });

  it(`passes at least ${REQUIRED_PASS_RATE * 100}% of them`, () => {
    const failures: string[] = [];
    for (const c of cases) {
      const plan = interpreter.interpret({ text: c.text, now: c.now, timeZone: c.timeZone });
      const problems = comparePlan(c.expect, plan);
      if (problems.length) failures.push(`${c.id} "${c.text}": ${problems.join('; ')}`);
    }
    const rate = (cases.length - failures.length) / cases.length;
    if (rate < REQUIRED_PASS_RATE) throw new Error(`pass rate ${rate.toFixed(3)}:\n${failures.join('\n')}`);
    expect(rate).toBeGreaterThanOrEqual(REQUIRED_PASS_RATE);
  });

  it('produces plans that satisfy the plan schema', () => {
    for (const c of cases) {
      const plan = interpreter.interpret({ text: c.text, now: c.now, timeZone: c.timeZone });
      expect(PlanSchema.safeParse(plan).success).toBe(true);
    }
  });
});
