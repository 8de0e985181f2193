import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { OfflineInterpreter } from './offline.interpreter';
import { comparePlan, parseCases } from './plan-comparison';

// The shared sample of the assistant contract, read at test time (the repository root is the cwd).
const SAMPLE = path.resolve(process.cwd(), '../shared/assistant/sample.jsonl');

describe('OfflineInterpreter on the shared sample', () => {
  const interpreter = new OfflineInterpreter();
  const cases = parseCases(readFileSync(SAMPLE, 'utf8'));

  it('has the 22 sample cases', () => {
    expect(cases).toHaveLength(22);
  });

  it.each(cases.map((c) => [c.id, c.text, c] as const))('%s: %s', (_id, _text, c) => {
    const plan = interpreter.interpret({ text: c.text, now: c.now, timeZone: c.timeZone });
    expect(comparePlan(c.expect, plan)).toEqual([]);
  });
});
