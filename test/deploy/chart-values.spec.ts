import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CHART_DIR } from '../support/chart';

/** Keys of a values.yaml (any depth, list items too) with no comment line above them. */
function undocumentedKeys(text: string): { line: number; key: string }[] {
  const lines = text.split('\n');
  const missing: { line: number; key: string }[] = [];
  lines.forEach((line, n) => {
    const m = line.match(/^(\s*)(?:- )?([A-Za-z0-9_.\-/"']+):(\s|$)/);
    if (!m || line.trimStart().startsWith('#')) return;
    let prev = n - 1;
    while (prev >= 0 && !lines[prev].trim()) prev--;
    if (prev < 0 || !lines[prev].trimStart().startsWith('#')) missing.push({ line: n + 1, key: m[2] });
  });
  return missing;
}

describe('charts/calendar-assistant/values.yaml', () => {
  const text = readFileSync(path.join(CHART_DIR, 'values.yaml'), 'utf8');

  it('has a comment line above every key', () => {
    expect(text.match(/^\s*(?:- )?[\w.\-/"']+:(\s|$)/gm)!.length).toBeGreaterThan(50);
    expect(undocumentedKeys(text)).toEqual([]);
  });

  it('would refuse a key without a comment, nested or after a blank line', () => {
    expect(undocumentedKeys('# a\na: 1\n\nb:\n  # c\n  c: 2\n  d: 3\n')).toEqual([
      { line: 4, key: 'b' },
      { line: 7, key: 'd' },
    ]);
  });
});
