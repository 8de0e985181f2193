import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { OfflineInterpreter } from './offline.interpreter';
import { comparePlan, isVersionOneCase, parseCases } from './plan-comparison';

// The contract's sample (docs/assistant-contract.md), kept in the repository.
const SAMPLE = path.resolve(__dirname, '../../test/fixtures/sample.jsonl');

describe('OfflineInterpreter on the contract sample', () => {
  const interpreter = new OfflineInterpreter();
  const cases = parseCases(readFileSync(SAMPLE, 'utf8'));
  // The offline interpreter answers both versions of the contract.
  const versionOne = cases.filter(isVersionOneCase);

  it('holds the 22 version-1 cases with unique ids, covering every version-1 intent', () => {
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
    const first22 = Array.from({ length: 22 }, (_, i) => `s${String(i + 1).padStart(2, '0')}`);
    expect(versionOne.map((c) => c.id)).toEqual(expect.arrayContaining(first22));
    expect(new Set(versionOne.map((c) => c.expect.intent))).toEqual(
      new Set(['create', 'move', 'cancel', 'list', 'find_free', 'unknown']),
    );
  });

  it('tells version-2 cases apart by their intents, fields and conventions', () => {
    const byId = new Map(cases.map((c) => [c.id, c]));
    const versionOf = (id: string) => (isVersionOneCase(byId.get(id)!) ? 1 : 2);
    expect(['s01', 's13', 's16', 's20', 's22'].map(versionOf)).toEqual([1, 1, 1, 1, 1]);
    // attendees, shift, check, block, target.all, undo
    expect(['s23', 's27', 's30', 's32', 's33', 's35'].map(versionOf)).toEqual([2, 2, 2, 2, 2, 2]);
  });

  it.each(cases.map((c) => [c.id, c.text, c] as const))('%s: %s', (_id, _text, c) => {
    const plan = interpreter.interpret({ text: c.text, now: c.now, timeZone: c.timeZone });
    expect(comparePlan(c.expect, plan)).toEqual([]);
  });
});
