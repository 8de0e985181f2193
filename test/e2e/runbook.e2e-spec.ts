import { readFileSync } from 'node:fs';
import path from 'node:path';
import { alertRules, DASHBOARD_FILE } from '../support/chart';
import { ROOT } from '../support/cli';
import { helmProblems, kubectlProblems } from '../support/kubectl';
import { githubAnchor, parseMarkdown } from '../support/markdown';
import { leadingWords, mapLimit, OpsHelp, opsHelp, opsProblems } from '../support/ops-help';
import { allPanels, loadDashboard } from '../support/promql';
import { findOpsInvocations, OpsInvocation, parseShell } from '../support/shell';
import { sharedServices } from '../support/test-env';

const RUNBOOK = path.join(ROOT, 'docs/runbook.md');
const NAMESPACE = 'calendar';
const RELEASE = 'calendar-assistant';

const doc = parseMarkdown(readFileSync(RUNBOOK, 'utf8'));
const rules = alertRules();
const panelTitles = new Set(
  allPanels(loadDashboard(DASHBOARD_FILE))
    .filter((p) => p.type !== 'row')
    .map((p) => p.title),
);
/** Shell lines of the runbook: code blocks that are not PromQL or data, and inline commands. */
const shellLines = [
  ...doc.codeBlocks.filter((b) => !['promql', 'yaml', 'json'].includes(b.lang)).flatMap((b) => b.lines),
  ...doc.inlineCode.filter((c) => /^(ops|npm run|kubectl|helm) /.test(c.text)),
];
const anchorOf = (url: string) => url.slice(url.lastIndexOf('#') + 1);
const norm = (s: string) => s.replace(/\s+/g, ' ').trim();

describe('docs/runbook.md: every ops command is one the built CLI accepts', () => {
  const env = {
    MONGODB_URI: sharedServices().mongodbUri,
    REDIS_URL: sharedServices().redisUrl,
    JWT_SECRET: 'runbook-test-secret-0123456789abcdef0123456789',
  };
  const invocations: OpsInvocation[] = findOpsInvocations(shellLines);
  const helps = new Map<string, OpsHelp>();
  const help = (args: string[]) => helps.get(JSON.stringify(leadingWords(args)))!;

  beforeAll(async () => {
    const probes = [
      ...invocations.map((i) => i.args),
      // Lines the check must refuse (see the last test), and one it must accept.
      ['nosuch'],
      ['check', 'nosuch'],
      ['backup'],
      ['backup', 'verify', '--nosuch'],
      ['check', 'health', 'extra'],
    ];
    const unique = [
      ...new Map(probes.map((a) => [JSON.stringify(leadingWords(a)), leadingWords(a)])).values(),
    ];
    const results = await mapLimit(unique, 4, (words) => opsHelp(words, env));
    for (const r of results) helps.set(JSON.stringify(r.asked), r);
  }, 180_000);

  it('finds the ops commands of every section, run through kubectl and through npm', () => {
    expect(invocations.length).toBeGreaterThanOrEqual(40);
    const groups = new Set(invocations.map((i) => i.args[0]));
    for (const group of ['check', 'backup', 'restore', 'db', 'system', 'security', 'assistant'])
      expect(groups).toContain(group);
    expect(new Set(invocations.map((i) => i.via))).toEqual(new Set(['kubectl', 'npm', 'ops']));
  });

  it('names only existing commands, with their options and a value for every option that takes one', () => {
    const problems = invocations.flatMap((inv) =>
      opsProblems(inv.args, help(inv.args)).map((p) => `runbook.md:${inv.line}: ${p}\n    ${inv.source}`),
    );
    expect(problems).toEqual([]);
  });

  it('would catch an unknown command, subcommand or option, a missing value, a group and a stray argument', () => {
    const refused = (args: string[]) => opsProblems(args, help(args));
    expect(refused(['nosuch'])).toEqual(['`ops` has no subcommand `nosuch`']);
    expect(refused(['check', 'nosuch'])).toEqual(['`check` has no subcommand `nosuch`']);
    expect(refused(['backup'])).toEqual(['`backup` is a command group; name one of its commands']);
    expect(refused(['backup', 'verify', '--nosuch'])).toEqual(['`backup verify` has no option --nosuch']);
    expect(refused(['backup', 'verify', '--backup-dir'])).toEqual([
      '`backup verify`: --backup-dir needs a value',
    ]);
    expect(refused(['backup', 'verify', '--json=yes'])).toEqual(['`backup verify`: --json takes no value']);
    expect(refused(['backup', 'verify', '--json', 'DIR'])).toEqual([
      '`backup verify`: stray argument `DIR` (not the value of an option)',
    ]);
    expect(refused(['check', 'health', 'extra'])).toEqual([
      '`check health` takes 0 argument(s); unexpected: extra',
    ]);
    expect(refused(['backup', 'verify', '--backup-dir', '/backups/x', '--json'])).toEqual([]);
  });
});

describe('docs/runbook.md: one section per alert', () => {
  const alertSections = doc.sections.filter((s) => s.heading.level === 2 && /^\*\*Alert\*\* `/m.test(s.body));

  it('has a level-2 heading at the anchor of every alert runbook_url, and no alert section without an alert', () => {
    for (const rule of rules) {
      const anchor = anchorOf(rule.annotations.runbook_url);
      const heading = doc.headings.find((h) => h.anchor === anchor);
      expect({
        alert: rule.alert,
        heading: heading && { level: heading.level, anchor: githubAnchor(heading.text) },
      }).toEqual({
        alert: rule.alert,
        heading: { level: 2, anchor },
      });
    }
    const declared = alertSections.map((s) => ({
      anchor: s.heading.anchor,
      alert: s.body.match(/^\*\*Alert\*\* `(\w+)`/m)![1],
    }));
    expect(declared.map((d) => d.alert).sort()).toEqual(rules.map((r) => r.alert).sort());
    for (const d of declared) {
      const rule = rules.find((r) => r.alert === d.alert);
      expect({ alert: d.alert, anchor: rule && anchorOf(rule.annotations.runbook_url) }).toEqual({
        alert: d.alert,
        anchor: d.anchor,
      });
    }
  });

  it('states each alert’s severity and duration and quotes its expression exactly as the rules file has it', () => {
    for (const rule of rules) {
      const section = alertSections.find((s) => s.heading.anchor === anchorOf(rule.annotations.runbook_url))!;
      const header = section.body.match(/^\*\*Alert\*\* `(\w+)` · severity `(\w+)` · for `(\w+)`$/m);
      expect({ alert: rule.alert, header: header?.slice(1) }).toEqual({
        alert: rule.alert,
        header: [rule.alert, rule.labels.severity, rule.for],
      });
      const promql = section.codeBlocks.find((b) => b.lang === 'promql');
      expect({ alert: rule.alert, expr: norm(promql?.text ?? '') }).toEqual({
        alert: rule.alert,
        expr: norm(rule.expr),
      });
    }
  });

  it('gives each alert its dashboard panels, first checks with commands, likely causes and fixes', () => {
    for (const section of alertSections) {
      const name = section.heading.text;
      const panels = [
        ...(section.body.match(/^Dashboard panels?: (.*)$/m)?.[1] ?? '').matchAll(/"([^"]+)"/g),
      ].map((m) => m[1]);
      expect({ name, panels: panels.length > 0 }).toEqual({ name, panels: true });
      const checks = section.body.split('**First checks**')[1]?.split('**Likely causes**')[0] ?? '';
      expect({ name, commands: /kubectl |ops |npm run /.test(checks) }).toEqual({ name, commands: true });
      for (const part of ['**Likely causes**', '**Fixes**'])
        expect({ name, part, present: section.body.includes(part) }).toEqual({ name, part, present: true });
    }
  });

  it('quotes only dashboard panels that exist ("…" outside code is a panel title)', () => {
    const prose = readFileSync(RUNBOOK, 'utf8')
      .replace(/```[\s\S]*?```/g, '')
      .replace(/`[^`\n]*`/g, '');
    const quoted = [...prose.matchAll(/"([^"]+)"/g)].map((m) => norm(m[1]));
    expect(quoted.length).toBeGreaterThanOrEqual(30);
    expect([...new Set(quoted.filter((t) => !panelTitles.has(t)))]).toEqual([]);
  });
});

describe('docs/runbook.md: kubectl, helm and links', () => {
  const commands = shellLines.flatMap(({ text, line }) =>
    parseShell(text).map((words) => ({ words, line, text })),
  );

  it('points kubectl at the namespace and at objects and pod labels the chart renders', () => {
    const kubectl = commands.filter((c) => c.words[0] === 'kubectl');
    expect(kubectl.length).toBeGreaterThanOrEqual(40);
    const problems = kubectl.flatMap((c) =>
      kubectlProblems(c.words, NAMESPACE, RELEASE).map(
        (p) => `runbook.md:${c.line}: ${p}\n    ${c.text.trim()}`,
      ),
    );
    expect(problems).toEqual([]);
  });

  it('would catch a wrong object name, a wrong label and a missing namespace', () => {
    const check = (line: string) => kubectlProblems(parseShell(line)[0], NAMESPACE, RELEASE);
    expect(check('kubectl -n calendar create job --from=cronjob/calendar-assistant-backups x')).toHaveLength(
      1,
    );
    expect(check('kubectl -n calendar get hpa calendar')).toHaveLength(1);
    expect(check('kubectl -n calendar logs -l app.kubernetes.io/component=worker')).toHaveLength(1);
    expect(check('kubectl rollout restart deploy/calendar-assistant')).toEqual([
      'no namespace (-n calendar)',
    ]);
    expect(check('kubectl -n calendar rollout restart deploy/calendar-assistant')).toEqual([]);
  });

  it('runs helm on the release, in its namespace, with keys that values.yaml has', () => {
    const helm = commands.filter((c) => c.words[0] === 'helm');
    expect(helm.length).toBeGreaterThanOrEqual(10);
    const problems = helm.flatMap((c) =>
      helmProblems(c.words, NAMESPACE, RELEASE).map(
        (p) => `runbook.md:${c.line}: ${p}\n    ${c.text.trim()}`,
      ),
    );
    expect(problems).toEqual([]);
    const check = (line: string) => helmProblems(parseShell(line)[0], NAMESPACE, RELEASE);
    expect(
      check('helm -n calendar upgrade calendar-assistant charts/calendar-assistant --set autoscaling.max=3'),
    ).toEqual(['--set autoscaling.max: no such key in values.yaml']);
  });

  it('links only to headings that exist', () => {
    const anchors = new Set(doc.headings.map((h) => h.anchor));
    expect(doc.anchorLinks.length).toBeGreaterThan(10);
    expect(
      doc.anchorLinks.filter((l) => !anchors.has(l.anchor)).map((l) => `line ${l.line}: #${l.anchor}`),
    ).toEqual([]);
  });
});
