import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { comparePlan, isVersionOneCase, parseCases } from '@app/assistant';
import { ROOT, runOps } from '../support/cli';

// The contract's sample (docs/assistant-contract.md): version 1 and version 2, both scored.
const SAMPLE = path.resolve(ROOT, 'libs/assistant/test/fixtures/sample.jsonl');

describe('ops assistant interpret / eval (the built CLI, no database, no cache)', () => {
  const all = parseCases(readFileSync(SAMPLE, 'utf8'));
  const cases = all.filter(isVersionOneCase);
  let dir: string;
  let versionOneFile: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'assistant-eval-'));
    versionOneFile = path.join(dir, 'version-1.jsonl');
    writeFileSync(versionOneFile, cases.map((c) => JSON.stringify(c)).join('\n') + '\n');
  });
  const countOf = (intent: string) => all.filter((c) => c.expect.intent === intent).length;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const input =
    all.map(({ id, text, now, timeZone }) => JSON.stringify({ id, text, now, timeZone })).join('\n') + '\n';

  it('answers every sample case with one {id, plan} line, in order, passing every case of both versions', async () => {
    // No MONGODB_URI, no REDIS_URL: the command needs neither.
    const run = await runOps(['assistant', 'interpret'], {}, input);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(all.length);
    const rows = lines.map((l) => JSON.parse(l) as { id: string; plan: unknown });
    expect(rows.map((r) => r.id)).toEqual(all.map((c) => c.id));
    const plans = new Map(rows.map((r) => [r.id, r.plan]));
    const failures = all.flatMap((c) => comparePlan(c.expect, plans.get(c.id)).map((p) => `${c.id}: ${p}`));
    expect(failures).toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(22);
    expect(all.length).toBeGreaterThanOrEqual(40);
  });

  it('writes an unknown plan with an error for a line it cannot read, and goes on', async () => {
    const run = await runOps(
      ['assistant', 'interpret'],
      {},
      'not json\n\n{"id":"ok","text":"Gym at 6","now":"2026-06-10T14:30:00+02:00","timeZone":"Europe/Berlin"}\n',
    );
    expect(run.code).toBe(0);
    const rows = run.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ id: null, plan: { intent: 'unknown' }, error: expect.any(String) });
    expect(rows[1]).toMatchObject({ id: 'ok', plan: { intent: 'create', event: { title: 'Gym' } } });
  });

  it('eval scores the configured (offline) interpreter per intent, --json for machines', async () => {
    const run = await runOps(['assistant', 'eval', '--file', versionOneFile, '--json'], {});
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({
      interpreter: 'offline',
      total: cases.length,
      passed: cases.length,
      accuracy: 1,
      ok: true,
      failures: [],
    });
    expect(report.intents.create).toEqual({ cases: 12, passed: 12, accuracy: 1 });
    const human = await runOps(['assistant', 'eval', '--file', versionOneFile], {});
    expect(human.stdout).toMatch(new RegExp(`overall\\s+${cases.length}\\s+${cases.length}\\s+100\\.0%`));
  });

  it('eval reports the version-2 intents per intent on the whole sample', async () => {
    const run = await runOps(['assistant', 'eval', '--file', SAMPLE, '--json'], {});
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ total: all.length, accuracy: expect.any(Number), ok: true });
    expect(report.accuracy).toBeGreaterThanOrEqual(0.95);
    for (const intent of ['check', 'invite', 'undo', 'move', 'cancel', 'find_free'])
      expect(report.intents[intent]).toMatchObject({ cases: countOf(intent), accuracy: expect.any(Number) });
    const human = await runOps(['assistant', 'eval', '--file', SAMPLE], {});
    expect(human.stdout).toMatch(new RegExp(`^check\\s+${countOf('check')}\\s+\\d+\\s+\\d+\\.\\d%$`, 'm'));
    expect(human.stdout).toMatch(new RegExp(`^undo\\s+${countOf('undo')}\\s+`, 'm'));
  });

  it('eval exits 1 below --min and 2 for a usage error', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'assistant-eval-'));
    const wrong = path.join(dir, 'cases.jsonl');
    const bad = { ...cases[0], expect: { intent: 'unknown' } };
    writeFileSync(wrong, [bad, cases[1]].map((c) => JSON.stringify(c)).join('\n'));
    const below = await runOps(['assistant', 'eval', '--file', wrong, '--min', '0.9'], {});
    expect(below.code).toBe(1);
    expect(below.stdout).toContain(`FAIL ${cases[0].id}`);
    expect((await runOps(['assistant', 'eval', '--file', wrong, '--min', '0.5'], {})).code).toBe(0);
    expect((await runOps(['assistant', 'eval'], {})).code).toBe(2);
    expect((await runOps(['assistant', 'eval', '--file', wrong, '--interpreter', 'llm'], {})).code).toBe(2);
    rmSync(dir, { recursive: true, force: true });
  });
});
