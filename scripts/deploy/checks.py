#!/usr/bin/env python3
"""Static checks of the deployment files that no off-the-shelf tool covers; called by check.sh.

Usage: checks.py COMMAND [ARGS]   (run from the repository root; exit 1 on any problem)

  rules RULES TESTS...        every alert: severity, service, summary/description/runbook_url on
                              docs/runbook.md; >= 3 test cases (>= 1 firing, >= 2 silent)
  dashboard JSON OUT_RULES    panel structure, the required panels; writes every PromQL
                              expression as a recording rule for `promtool check rules`
  metrics RULES JSON          every metric name used exists (app metrics or known exporters)
  prometheusrule MANIFESTS RULES OUT
                              the rendered PrometheusRule holds exactly the rules file; writes
                              its spec for `promtool check rules`
  values VALUES               a comment line above every key of values.yaml
  dockerfile DOCKERFILE DOCKERIGNORE
                              multi-stage Node 24 build, non-root numeric USER, HEALTHCHECK,
                              EXPOSE 3000, production-only deps, ops wrapper; COPY sources exist
                              and are not excluded by .dockerignore
  compose COMPOSE             every bind-mounted file/folder and the build context exist; the
                              rules and dashboard mounts are the chart's canonical copies
  symlinks                    deploy/ links point at the chart's canonical files
  runbook RULES RUNBOOK       every runbook_url anchor is a heading of docs/runbook.md
  inhibition URL              posts alerts to a running Alertmanager (check.sh starts one on
                              127.0.0.1 with deploy/alertmanager/alertmanager.yml) and checks
                              which of them the inhibit rules mute
"""
import json
import os
import re
import sys

import yaml

RUNBOOK = 'https://github.com/calendar-assistant/calendar-assistant/blob/main/docs/runbook.md#'
CANONICAL_RULES = 'charts/calendar-assistant/files/calendar-assistant.rules.yml'
CANONICAL_DASHBOARD = 'charts/calendar-assistant/files/calendar-assistant.json'

# Metrics the application exports (plus Node.js default metrics by prefix), and the exporters the
# dashboard and alerts read from.
APP_METRICS = {
    'http_requests_total', 'http_request_duration_seconds_bucket', 'http_request_duration_seconds_sum',
    'http_request_duration_seconds_count', 'mongodb_up', 'redis_up', 'mongodb_connection_pool_size',
    'mongodb_connection_pool_in_use', 'auth_failures_total', 'calendar_operations_total', 'active_users',
    'cache_requests_total', 'webhook_deliveries_total', 'webhook_delivery_duration_seconds_bucket',
    'webhook_delivery_duration_seconds_sum', 'webhook_delivery_duration_seconds_count', 'ics_imports_total',
    'assistant_requests_total', 'assistant_request_duration_seconds_bucket',
    'assistant_request_duration_seconds_sum', 'assistant_request_duration_seconds_count',
    'assistant_llm_tokens_total', 'assistant_fallbacks_total', 'changesets_total',
    'backup_last_success_timestamp_seconds', 'rate_limit_hits_total', 'up',
}
KNOWN_PREFIXES = (
    'process_', 'nodejs_',  # prom-client default metrics
    'node_',  # node exporter
    'container_',  # cAdvisor (kubelet)
    'mongodb_mongod_',  # MongoDB exporter (--compatible-mode names)
)
PROMQL_WORDS = {
    'sum', 'min', 'max', 'avg', 'count', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values',
    'group', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool',
    'offset', 'rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'histogram_quantile', 'absent',
    'absent_over_time', 'time', 'vector', 'scalar', 'abs', 'ceil', 'floor', 'round', 'clamp_min', 'clamp_max',
    'label_replace', 'label_join', 'avg_over_time', 'max_over_time', 'min_over_time', 'sum_over_time',
    'count_over_time', 'last_over_time', 'changes', 'resets', 'sort', 'sort_desc', 'timestamp', 'inf', 'nan',
}

problems = []


def problem(msg):
    problems.append(msg)
    print(f'  FAIL {msg}')


def load_yaml(path):
    with open(path, encoding='utf-8') as f:
        return yaml.safe_load(f)


def alerts_of(rules_path):
    return [r for g in load_yaml(rules_path)['groups'] for r in g['rules'] if 'alert' in r]


# ------------------------------------------------------------------------------------------ rules
def cmd_rules(rules_path, *test_paths):
    alerts = alerts_of(rules_path)
    names = [a['alert'] for a in alerts]
    if len(names) != len(set(names)):
        problem(f'duplicate alert names in {rules_path}')
    anchors = []
    for a in alerts:
        name, labels, ann = a['alert'], a.get('labels', {}), a.get('annotations', {})
        if labels.get('severity') not in ('critical', 'warning'):
            problem(f'{name}: labels.severity must be critical or warning')
        if labels.get('service') != 'calendar-assistant':
            problem(f'{name}: labels.service must be calendar-assistant (Alertmanager groups on it)')
        for key in ('summary', 'description', 'runbook_url'):
            if not str(ann.get(key, '')).strip():
                problem(f'{name}: annotations.{key} is missing')
        url = ann.get('runbook_url', '')
        if not url.startswith(RUNBOOK) or not re.fullmatch(r'[a-z0-9-]+', url[len(RUNBOOK):]):
            problem(f'{name}: runbook_url must be {RUNBOOK}<section-anchor>')
        anchors.append(url[len(RUNBOOK):])
    if len(anchors) != len(set(anchors)):
        problem('two alerts share a runbook section')

    # test coverage: per alert, the test cases that assert it, split into firing and silent
    cases = {n: {'firing': set(), 'silent': set()} for n in names}
    for path in test_paths:
        for test in load_yaml(path).get('tests', []):
            for check in test.get('alert_rule_test', []):
                name = check.get('alertname')
                if name not in cases:
                    problem(f'{path}: test "{test.get("name")}" asserts unknown alert {name}')
                    continue
                kind = 'firing' if check.get('exp_alerts') else 'silent'
                cases[name][kind].add(test.get('name'))
    for name, c in cases.items():
        c['silent'] -= c['firing']  # a case that fires after a silent step counts as firing
        total = len(c['firing'] | c['silent'])
        if total < 3 or not c['firing'] or len(c['silent']) < 2:
            problem(f'{name}: needs >= 3 test cases with >= 1 firing and >= 2 silent '
                    f'(has {len(c["firing"])} firing, {len(c["silent"])} silent)')
        else:
            print(f'  ok   {name}: {total} test cases ({len(c["firing"])} firing, {len(c["silent"])} silent)')


# -------------------------------------------------------------------------------------- dashboard
REQUIRED_PANELS = [
    r'request rate', r'error rate', r'response time.*p50.*p95.*p99', r'active users', r'calendar operations',
    r'\bcpu\b', r'memory', r'disk', r'network', r'mongodb connection pool', r'query performance',
    r'cache hit rate', r'replication lag.*mongodb exporter', r'assistant', r'webhook',
]


def dashboard_exprs(dash):
    for panel in dash.get('panels', []):
        for sub in [panel] + panel.get('panels', []):
            for target in sub.get('targets', []):
                yield sub, target


def grafana_to_promql(expr):
    expr = expr.replace('$__rate_interval', '5m').replace('$__interval', '1m').replace('$__range', '1h')
    return re.sub(r'\$\{?[A-Za-z_][A-Za-z0-9_]*(?::[a-z]+)?\}?', '.*', expr)


def cmd_dashboard(path, out_rules):
    with open(path, encoding='utf-8') as f:
        dash = json.load(f)
    for key in ('uid', 'title', 'panels', 'templating', 'schemaVersion'):
        if key not in dash:
            problem(f'{path}: "{key}" missing')
    variables = {v['name'] for v in dash.get('templating', {}).get('list', [])}
    if 'datasource' not in variables:
        problem(f'{path}: no "datasource" template variable (panels use ${{datasource}})')
    ids = [p.get('id') for p in dash.get('panels', [])]
    if len(ids) != len(set(ids)):
        problem(f'{path}: duplicate panel ids')
    titles = []
    for panel in dash.get('panels', []):
        if panel.get('type') == 'row':
            continue
        title = panel.get('title', '')
        titles.append(title)
        for key in ('gridPos', 'datasource', 'targets', 'description'):
            if not panel.get(key):
                problem(f'panel "{title}": "{key}" missing')
        refs = [t.get('refId') for t in panel.get('targets', [])]
        if len(refs) != len(set(refs)):
            problem(f'panel "{title}": duplicate refIds')
        for t in panel.get('targets', []):
            if not t.get('expr'):
                problem(f'panel "{title}" target {t.get("refId")}: empty expr')
            for var in re.findall(r'\$\{?([A-Za-z_]\w*)', t.get('expr', '')):
                if not var.startswith('__') and var not in variables:
                    problem(f'panel "{title}": unknown variable ${var}')
    for pattern in REQUIRED_PANELS:
        if not any(re.search(pattern, t, re.I) for t in titles):
            problem(f'{path}: no panel whose title matches /{pattern}/')
    rules = [
        {'record': f'dashboard:panel{panel["id"]}:{t["refId"]}', 'expr': grafana_to_promql(t['expr'])}
        for panel, t in dashboard_exprs(dash) if t.get('expr')
    ]
    with open(out_rules, 'w', encoding='utf-8') as f:
        yaml.safe_dump({'groups': [{'name': 'dashboard-expressions', 'rules': rules}]}, f, sort_keys=False)
    print(f'  ok   {len(titles)} panels, {len(rules)} expressions written to {out_rules}')


# ---------------------------------------------------------------------------------------- metrics
def metric_names(expr):
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # strings
    expr = re.sub(r'\{[^}]*\}', '', expr)  # label matchers
    expr = re.sub(r'\[[^\]]*\]', '', expr)  # ranges
    expr = re.sub(r'\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)', ' ', expr)
    tokens = re.findall(r'(?<![\w.])[A-Za-z_:][\w:]*', expr)
    return {t for t in tokens if t.lower() not in PROMQL_WORDS}


def cmd_metrics(rules_path, dashboard_path):
    exprs = [(f'alert {a["alert"]}', a['expr']) for a in alerts_of(rules_path)]
    with open(dashboard_path, encoding='utf-8') as f:
        dash = json.load(f)
    exprs += [(f'panel "{p["title"]}"', t['expr']) for p, t in dashboard_exprs(dash) if t.get('expr')]
    seen = set()
    for where, expr in exprs:
        for name in metric_names(grafana_to_promql(expr)):
            seen.add(name)
            if name not in APP_METRICS and not name.startswith(KNOWN_PREFIXES):
                problem(f'{where}: unknown metric {name} (not exported by the app or a known exporter)')
    print(f'  ok   {len(exprs)} expressions use {len(seen)} known metrics')


# --------------------------------------------------------------------------------- prometheusrule
def cmd_prometheusrule(manifests, rules_path, out):
    with open(manifests, encoding='utf-8') as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    found = [d for d in docs if d.get('kind') == 'PrometheusRule']
    if len(found) != 1:
        problem(f'{manifests}: expected 1 PrometheusRule, found {len(found)}')
        return
    spec = found[0]['spec']
    if spec != load_yaml(rules_path):
        problem(f'the rendered PrometheusRule differs from {rules_path}')
    with open(out, 'w', encoding='utf-8') as f:
        yaml.safe_dump(spec, f, sort_keys=False)
    print(f'  ok   PrometheusRule spec == {rules_path} ({len(alerts_of(rules_path))} alerts)')


# ----------------------------------------------------------------------------------------- values
def cmd_values(path):
    with open(path, encoding='utf-8') as f:
        lines = f.read().splitlines()
    keys = 0
    for n, line in enumerate(lines):
        m = re.match(r'^(\s*)(?:- )?([A-Za-z0-9_.\-/"\']+):(\s|$)', line)
        if not m or line.lstrip().startswith('#'):
            continue
        keys += 1
        prev = n - 1
        while prev >= 0 and not lines[prev].strip():
            prev -= 1
        if prev < 0 or not lines[prev].lstrip().startswith('#'):
            problem(f'{path}:{n + 1}: key "{m.group(2)}" has no comment above it')
    print(f'  ok   {keys} keys checked')


# ------------------------------------------------------------------------------------- dockerfile
def dockerignore_patterns(path):
    pats = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith('#'):
                pats.append(line.lstrip('/'))
    return pats


def glob_regex(pat):
    """A .dockerignore pattern as a regex: ** spans folders, * and ? stay within one."""
    out, i = '', 0
    while i < len(pat):
        if pat.startswith('**/', i):
            out, i = out + '(?:.*/)?', i + 3
        elif pat.startswith('**', i):
            out, i = out + '.*', i + 2
        elif pat[i] == '*':
            out, i = out + '[^/]*', i + 1
        elif pat[i] == '?':
            out, i = out + '[^/]', i + 1
        else:
            out, i = out + re.escape(pat[i]), i + 1
    return re.compile(out + r'\Z')


def ignored(rel, patterns):
    """Whether .dockerignore excludes rel (a pattern that matches a parent folder excludes it too)."""
    result = False
    parts = rel.split('/')
    prefixes = ['/'.join(parts[:i]) for i in range(1, len(parts) + 1)]
    for pat in patterns:
        negate = pat.startswith('!')
        regex = glob_regex(os.path.normpath(pat[1:] if negate else pat))
        if any(regex.match(p) for p in prefixes):
            result = not negate
    return result


def cmd_dockerfile(path, ignore_path):
    with open(path, encoding='utf-8') as f:
        text = re.sub(r'\\\n', ' ', f.read())
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        word, _, rest = line.partition(' ')
        instructions.append((word.upper(), rest.strip()))
    args = {}
    for word, rest in instructions:
        if word == 'FROM':
            break
        if word == 'ARG' and '=' in rest:
            k, v = rest.split('=', 1)
            args[k] = v
    stages, current = [], None
    for word, rest in instructions:
        if word == 'FROM':
            parts = rest.split()
            image = re.sub(r'\$\{?(\w+)\}?', lambda m: args.get(m.group(1), m.group(0)), parts[0])
            name = parts[2] if len(parts) >= 3 and parts[1].upper() == 'AS' else None
            current = {'image': image, 'name': name, 'ins': []}
            stages.append(current)
        elif current is not None:
            current['ins'].append((word, rest))
    if len(stages) < 2:
        problem('Dockerfile: not multi-stage')
        return
    names = set()
    for st in stages:
        if not re.match(r'^node:24[-.]', st['image']) and st['image'] not in names:
            problem(f'Dockerfile: stage {st["name"]} is based on {st["image"]}, not a node:24 image')
        if st['name']:
            names.add(st['name'])
    build, final = stages[0], stages[-1]
    runs = lambda st: ' '.join(r for w, r in st['ins'] if w == 'RUN')
    if 'npm ci' not in runs(build) or 'npm run build' not in runs(build):
        problem('Dockerfile: the build stage must run npm ci and npm run build')
    if not re.search(r'npm ci [^&;]*--omit=dev[^&;]*--ignore-scripts', runs(final)):
        problem('Dockerfile: the runtime stage must install with npm ci --omit=dev --ignore-scripts')
    if '/usr/local/bin/ops' not in runs(final):
        problem('Dockerfile: no /usr/local/bin/ops wrapper')
    final_words = {w for w, _ in final['ins']}
    for word in ('USER', 'HEALTHCHECK', 'EXPOSE', 'ENV', 'CMD'):
        if word not in final_words:
            problem(f'Dockerfile: the runtime stage has no {word}')
    arg_names = {r.split('=')[0] for w, r in final['ins'] if w == 'ARG'}
    for arg in ('API_ENTRY', 'OPS_ENTRY'):
        if arg not in arg_names:
            problem(f'Dockerfile: ARG {arg} missing in the runtime stage')
    users = [r for w, r in final['ins'] if w == 'USER']
    if users and not re.fullmatch(r'[1-9][0-9]*(:[1-9][0-9]*)?', users[-1]):
        problem(f'Dockerfile: USER {users[-1]} must be a numeric non-root UID')
    health = ' '.join(r for w, r in final['ins'] if w == 'HEALTHCHECK')
    if health and ('/health/live' not in health or 'node' not in health):
        problem('Dockerfile: HEALTHCHECK must call /health/live with node')
    if '3000' not in ' '.join(r for w, r in final['ins'] if w == 'EXPOSE'):
        problem('Dockerfile: EXPOSE 3000 missing')
    if not re.search(r'NODE_ENV=production', ' '.join(r for w, r in final['ins'] if w == 'ENV')):
        problem('Dockerfile: ENV NODE_ENV=production missing')
    patterns = dockerignore_patterns(ignore_path)
    copies = 0
    for st in stages:
        for word, rest in st['ins']:
            if word not in ('COPY', 'ADD'):
                continue
            parts = rest.split()
            flags = [p for p in parts if p.startswith('--')]
            paths = [p for p in parts if not p.startswith('--')]
            src_from = [f.split('=', 1)[1] for f in flags if f.startswith('--from=')]
            if src_from:
                if src_from[0] not in names:
                    problem(f'Dockerfile: COPY --from={src_from[0]}: no such stage')
                continue
            for src in paths[:-1]:
                copies += 1
                rel = os.path.normpath(src)
                if not os.path.exists(rel):
                    problem(f'Dockerfile: COPY source {src} does not exist in the build context')
                elif ignored(rel, patterns):
                    problem(f'Dockerfile: COPY source {src} is excluded by {ignore_path}')
    for must in ('node_modules', 'dist', '.git', '.env', '.data', '.tools', 'coverage'):
        if not ignored(must, patterns):
            problem(f'{ignore_path}: {must} is not excluded')
    print(f'  ok   {len(stages)} stages ({", ".join(s["image"] for s in stages)}), {copies} context sources')


# ---------------------------------------------------------------------------------------- compose
def cmd_compose(path):
    base = os.path.dirname(os.path.abspath(path))
    compose = load_yaml(path)
    required = {'app', 'mongo', 'redis', 'prometheus', 'alertmanager', 'grafana'}
    missing = required - set(compose.get('services', {}))
    if missing:
        problem(f'{path}: services missing: {", ".join(sorted(missing))}')
    mounts = 0
    for name, svc in compose.get('services', {}).items():
        build = svc.get('build')
        if build:
            ctx = os.path.join(base, build if isinstance(build, str) else build.get('context', '.'))
            dockerfile = os.path.join(ctx, build.get('dockerfile', 'Dockerfile') if isinstance(build, dict) else 'Dockerfile')
            for p in (ctx, dockerfile):
                if not os.path.exists(p):
                    problem(f'{name}: build path {os.path.relpath(p)} does not exist')
        for vol in svc.get('volumes', []):
            src = vol.split(':')[0] if isinstance(vol, str) else vol.get('source', '')
            if not (src.startswith('.') or src.startswith('/')):
                continue  # named volume
            if src.startswith('/'):
                continue  # host path of the user's machine (node exporter's /)
            mounts += 1
            full = os.path.normpath(os.path.join(base, src))
            if not os.path.exists(full):
                problem(f'{name}: mounted {src} does not exist ({os.path.relpath(full)})')
            elif os.path.islink(full):
                problem(f'{name}: mounted {src} is a symlink; mount its target (a link breaks in the container)')
    images = {n: s.get('image', '') for n, s in compose.get('services', {}).items()}
    for name, pattern in (('mongo', r'^mongo:7'), ('redis', r'^redis:7')):
        if name in images and not re.match(pattern, images[name]):
            problem(f'{name}: image {images[name]} is not {pattern[1:]}')
    text = open(path, encoding='utf-8').read()
    for canonical in (CANONICAL_RULES, CANONICAL_DASHBOARD):
        if canonical not in text:
            problem(f'{path}: does not mount {canonical}')
    print(f'  ok   {len(images)} services, {mounts} bind mounts exist')


# --------------------------------------------------------------------------------------- symlinks
def cmd_symlinks():
    links = {
        'deploy/prometheus/rules/calendar-assistant.rules.yml': CANONICAL_RULES,
        'deploy/grafana/dashboards/calendar-assistant.json': CANONICAL_DASHBOARD,
    }
    for link, target in links.items():
        if not os.path.islink(link):
            problem(f'{link} must be a symlink to {target} (one copy, not two)')
        elif os.path.realpath(link) != os.path.realpath(target):
            problem(f'{link} points at {os.readlink(link)}, not {target}')
        else:
            print(f'  ok   {link} -> {target}')


# ---------------------------------------------------------------------------------------- runbook
def github_anchor(heading):
    """The id GitHub gives a Markdown heading."""
    text = re.sub(r'`|\*\*|__|\[([^\]]*)\]\([^)]*\)', lambda m: m.group(1) or '', heading.strip().lower())
    return re.sub(r'[^\w\- ]', '', text).replace(' ', '-')


def cmd_runbook(rules_path, runbook_path):
    anchors, counts = set(), {}
    in_code = False
    with open(runbook_path, encoding='utf-8') as f:
        for line in f:
            if line.lstrip().startswith('```'):
                in_code = not in_code
            m = re.match(r'^#{1,6}\s+(.*?)\s*#*\s*$', line)
            if m and not in_code:
                anchor = github_anchor(m.group(1))
                n = counts.get(anchor, 0)
                counts[anchor] = n + 1
                anchors.add(anchor if n == 0 else f'{anchor}-{n}')
    for a in alerts_of(rules_path):
        anchor = a['annotations']['runbook_url'].rsplit('#', 1)[-1]
        if anchor in anchors:
            print(f'  ok   {a["alert"]} -> {runbook_path}#{anchor}')
        else:
            problem(f'{a["alert"]}: {runbook_path} has no heading with the anchor #{anchor}')


# ------------------------------------------------------------------------------------- inhibition
def cmd_inhibition(url):
    import time
    import urllib.request

    def alert(name, severity):
        return {'labels': {'alertname': name, 'severity': severity, 'service': 'calendar-assistant'},
                'annotations': {'summary': name}}

    sent = [alert('ServiceDown', 'critical'), alert('HighErrorRate', 'critical'),
            alert('HighResponseTime', 'warning'), alert('LowCacheHitRate', 'warning'),
            alert('HighCPUUsage', 'critical'), alert('HighCPUUsage', 'warning'),
            alert('DatabaseConnectionLost', 'critical')]
    expected_muted = {('HighErrorRate', 'critical'), ('HighResponseTime', 'warning'), ('HighCPUUsage', 'warning')}
    body = json.dumps(sent).encode()
    deadline = time.time() + 20
    while True:
        try:
            req = urllib.request.Request(url + '/api/v2/alerts', data=body, method='POST',
                                         headers={'Content-Type': 'application/json'})
            urllib.request.urlopen(req, timeout=2).read()
            break
        except OSError:
            if time.time() > deadline:
                problem(f'Alertmanager at {url} did not answer')
                return
            time.sleep(0.3)
    with urllib.request.urlopen(url + '/api/v2/alerts', timeout=5) as resp:
        got = json.load(resp)
    state = {(a['labels']['alertname'], a['labels']['severity']): bool(a['status']['inhibitedBy']) for a in got}
    for key in [(a['labels']['alertname'], a['labels']['severity']) for a in sent]:
        want = key in expected_muted
        if key not in state:
            problem(f'{key[0]} ({key[1]}) was not accepted')
        elif state[key] != want:
            problem(f'{key[0]} ({key[1]}) should {"" if want else "not "}be inhibited')
        else:
            print(f'  ok   {key[0]} ({key[1]}): {"inhibited" if want else "notified"}')


COMMANDS = {
    'rules': cmd_rules, 'dashboard': cmd_dashboard, 'metrics': cmd_metrics,
    'prometheusrule': cmd_prometheusrule, 'values': cmd_values, 'dockerfile': cmd_dockerfile,
    'compose': cmd_compose, 'symlinks': cmd_symlinks, 'inhibition': cmd_inhibition, 'runbook': cmd_runbook,
}

if __name__ == '__main__':
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    COMMANDS[sys.argv[1]](*sys.argv[2:])
    if problems:
        print(f'  {len(problems)} problem(s)')
        sys.exit(1)
