#!/usr/bin/env bash
# Static, tool-checked validation of the deployment and monitoring files:
#   deploy/prometheus   alerting rules, their unit tests, the Prometheus config
#   deploy/alertmanager routing (pager / chat) and inhibition
#   deploy/grafana      dashboard JSON, PromQL of every panel, provisioning
#   deploy/docker       the Dockerfile and .dockerignore
#   charts/             helm lint + template for every ci/*.yaml, offline schema validation of
#                       every object (kubeconform: Kubernetes and Prometheus Operator schemas),
#                       kube-score, render-time failures on bad values
#   deploy/compose      the compose file and everything it mounts
#
# The checks no off-the-shelf tool covers are TypeScript, run with Jest (npm test runs them too):
#   test/deploy/*.spec.ts               rules (labels, annotations, test coverage), dashboard
#                                       structure, provisioning, Dockerfile, values.yaml, compose
#   test/deploy/alertmanager.e2e-spec.ts  routing of every alert, inhibition in a real Alertmanager
#   test/e2e/monitoring.e2e-spec.ts     PromQL of every panel/alert/runbook query (promtool), and
#                                       every metric they name is exported by a running API
#
# Usage: bash scripts/deploy/check.sh   (exits non-zero on the first failing check; needs npm ci)
#
# Installs what it needs when missing: helm, kubeconform and kube-score with `go install` (pinned
# versions, into $(go env GOPATH)/bin), promtool/amtool and docker-compose with apt-get. The
# Kubernetes JSON schemas are generated offline (scripts/deploy/jsonschema.mts) from the OpenAPI
# spec that ships in the k8s.io/kubernetes Go module and kept in .tools/deploy/ (git-ignored), so a
# second run rebuilds nothing; the ServiceMonitor and PrometheusRule schemas are in the repository
# (scripts/deploy/schemas/).
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

HELM_VERSION=v3.22.0
KUBECONFORM_VERSION=v0.8.0
KUBE_SCORE_VERSION=v1.20.0
# Kubernetes version the chart is rendered for and validated against.
K8S_VERSION=1.34.4
CHART=charts/calendar-assistant
RULES=deploy/prometheus/rules/calendar-assistant.rules.yml
CACHE="$ROOT/.tools/deploy"

STARTED=$(date +%s)
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

CURRENT_STEP="start"
step() { CURRENT_STEP="$*"; printf '\n==> %s\n' "$*"; }
info() { printf '  %s\n' "$*"; }
die() { printf '\nFAIL (%s): %s\n' "$CURRENT_STEP" "$*" >&2; exit 1; }
trap 'printf "\nFAIL (%s): %s exited with status %s\n" "$CURRENT_STEP" "$BASH_COMMAND" "$?" >&2' ERR

# ------------------------------------------------------------------------------------ tools
step "Tools"
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
APT_UPDATED=""
apt_install() {
  info "installing $* with apt-get (first run only)…"
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "$APT_UPDATED" ]; then $SUDO apt-get update -qq >/dev/null; APT_UPDATED=1; fi
  $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

GO="$(command -v go || true)"
if [ -z "$GO" ] && [ -x /usr/local/go/bin/go ]; then GO=/usr/local/go/bin/go; fi
[ -n "$GO" ] || die "Go is required to install helm, kubeconform and kube-score (https://go.dev/doc/install)"
GOBIN="$("$GO" env GOPATH)/bin"

# go_tool NAME MODULE VERSION PACKAGE: installs PACKAGE@VERSION unless $GOBIN/NAME was built from
# exactly MODULE VERSION.
go_tool() {
  local name=$1 module=$2 version=$3 package=$4
  if [ -x "$GOBIN/$name" ] && "$GO" version -m "$GOBIN/$name" 2>/dev/null |
    awk -v m="$module" -v v="$version" '$1 == "mod" && $2 == m && $3 == v { found = 1 } END { exit !found }'; then
    info "$name $version"
  else
    info "installing $name $version with go install (first run only; helm takes a few minutes)…"
    "$GO" install "$package@$version"
  fi
}
go_tool helm helm.sh/helm/v3 "$HELM_VERSION" helm.sh/helm/v3/cmd/helm
go_tool kubeconform github.com/yannh/kubeconform "$KUBECONFORM_VERSION" github.com/yannh/kubeconform/cmd/kubeconform
go_tool kube-score github.com/zegl/kube-score "$KUBE_SCORE_VERSION" github.com/zegl/kube-score/cmd/kube-score
HELM="$GOBIN/helm"
KUBECONFORM="$GOBIN/kubeconform"
KUBE_SCORE="$GOBIN/kube-score"

if ! command -v promtool >/dev/null || ! command -v amtool >/dev/null; then
  apt_install prometheus prometheus-alertmanager
fi
info "$(promtool --version 2>&1 | head -n1)"
info "$(amtool --version 2>&1 | head -n1)"

NODE=node_modules/node/bin/node
[ -x "$NODE" ] && [ -f node_modules/jest/bin/jest.js ] || die "node_modules is missing: run npm ci first"
info "node $("$NODE" --version) and jest from node_modules"

if docker compose version >/dev/null 2>&1; then
  COMPOSE=(docker compose)
else
  command -v docker-compose >/dev/null || apt_install docker-compose
  COMPOSE=(docker-compose)
fi
info "compose: ${COMPOSE[*]}"

# Kubernetes JSON schemas, one per kind, generated from api/openapi-spec/swagger.json of the
# k8s.io/kubernetes module (served by the Go module proxy like any module; no other network).
SCHEMAS="$CACHE/k8s-schemas-v$K8S_VERSION"
if [ ! -f "$SCHEMAS/deployment-apps-v1.json" ] || [ scripts/deploy/jsonschema.mts -nt "$SCHEMAS/deployment-apps-v1.json" ]; then
  info "generating Kubernetes $K8S_VERSION JSON schemas (first run only)…"
  K8S_DIR="$(cd "$TMP" && "$GO" mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
  [ -f "$K8S_DIR/api/openapi-spec/swagger.json" ] || die "no api/openapi-spec/swagger.json in k8s.io/kubernetes@v$K8S_VERSION ($K8S_DIR)"
  rm -rf "$SCHEMAS"
  "$NODE" scripts/deploy/jsonschema.mts k8s "$K8S_DIR/api/openapi-spec/swagger.json" "$SCHEMAS" | sed 's/^/  /'
fi
info "Kubernetes schemas: ${SCHEMAS#"$ROOT"/}"
# The Prometheus Operator's ServiceMonitor and PrometheusRule (CRDs, so not in the Kubernetes spec).
CRD_SCHEMAS=scripts/deploy/schemas
info "Prometheus Operator schemas: $CRD_SCHEMAS"
# kubeconform FILE: strict (unknown fields fail), and an object of a kind with no schema fails too.
kubeconform() {
  "$KUBECONFORM" -strict -summary -kubernetes-version "$K8S_VERSION" \
    -schema-location "$SCHEMAS/{{ .ResourceKind }}{{ .KindSuffix }}.json" \
    -schema-location "$ROOT/$CRD_SCHEMAS/{{ .ResourceKind }}{{ .KindSuffix }}.json" "$1" |
    sed 's/^/  kubeconform: /'
}

# ------------------------------------------------------------------------------ TypeScript
step "TypeScript checks: test/deploy/ (rules, dashboard, provisioning, Dockerfile, values.yaml, compose, Alertmanager routing and inhibition) and test/e2e/monitoring.e2e-spec.ts (PromQL, exported metrics)"
"$NODE" node_modules/jest/bin/jest.js --ci test/deploy/ test/e2e/monitoring.e2e-spec.ts

# ---------------------------------------------------------------------------- prometheus
step "Prometheus: promtool check rules $RULES"
promtool check rules "$RULES"

step "Prometheus: promtool test rules deploy/prometheus/tests/*.test.yml"
promtool test rules deploy/prometheus/tests/*.test.yml

step "Prometheus: promtool check config deploy/prometheus/prometheus.yml"
promtool check config deploy/prometheus/prometheus.yml

# ---------------------------------------------------------------------------------- helm
# kube-score checks switched off for one values file, with the reason:
declare -A KUBE_SCORE_IGNORE=(
  # That file turns the NetworkPolicies off on purpose (a cluster without a NetworkPolicy
  # controller); every other configuration must have them.
  [no-backup-no-netpol-values.yaml]="pod-networkpolicy"
)
SCORE_FLAGS=(--kubernetes-version "v${K8S_VERSION%.*}" --output-format ci --enable-optional-test container-seccomp-profile)

for values in "$CHART"/ci/*.yaml; do
  file="$(basename "$values")"
  step "Helm: $file"
  "$HELM" lint --strict --quiet "$CHART" -f "$values" --kube-version "$K8S_VERSION"
  info "ok   helm lint --strict"
  for monitoring in no yes; do
    out="$TMP/${file%.yaml}-monitoring-$monitoring.yaml"
    extra=()
    if [ "$monitoring" = yes ]; then extra=(--api-versions monitoring.coreos.com/v1); fi
    "$HELM" template ca "$CHART" -f "$values" --namespace calendar --kube-version "$K8S_VERSION" "${extra[@]}" >"$out"
    kinds="$(grep -E '^kind: ' "$out" | sed 's/kind: //' | sort | uniq -c | awk '{printf "%s%s×%s", sep, $2, $1; sep=", "}')"
    info "ok   helm template (monitoring.coreos.com/v1: $monitoring): $kinds"
    # The Prometheus Operator objects follow the cluster's capabilities.
    if [ "$monitoring" = no ] && grep -qE '^kind: (ServiceMonitor|PrometheusRule)$' "$out"; then
      die "$file: ServiceMonitor/PrometheusRule rendered without monitoring.coreos.com/v1"
    fi
    if [ "$monitoring" = yes ] && grep -q '^kind: PrometheusRule$' "$out"; then
      [ "$(grep -c '^kind: PrometheusRule$' "$out")" = 1 ] || die "$file: more than one PrometheusRule rendered"
      # Its spec is the rules file verbatim (indented by two): the same text, and valid for promtool.
      "$HELM" template ca "$CHART" -f "$values" --namespace calendar --kube-version "$K8S_VERSION" "${extra[@]}" \
        --show-only templates/prometheusrule.yaml | sed -n '/^spec:$/,$p' | tail -n +2 | sed 's/^  //' >"$TMP/prometheusrule-spec.yml"
      diff -u "$RULES" "$TMP/prometheusrule-spec.yml" >&2 || die "$file: the rendered PrometheusRule spec differs from $RULES"
      info "ok   PrometheusRule spec == $RULES"
      promtool check rules "$TMP/prometheusrule-spec.yml" | sed 's/^/  /'
      grep -q '^kind: ServiceMonitor$' "$out" || die "$file: no ServiceMonitor rendered"
    fi
  done

  # Offline, strict schema validation of every object, ServiceMonitor and PrometheusRule included.
  kubeconform "$TMP/${file%.yaml}-monitoring-yes.yaml"

  ignore=()
  if [ -n "${KUBE_SCORE_IGNORE[$file]:-}" ]; then
    for t in ${KUBE_SCORE_IGNORE[$file]}; do ignore+=(--ignore-test "$t"); done
    info "kube-score: ignoring ${KUBE_SCORE_IGNORE[$file]} for this file (see KUBE_SCORE_IGNORE)"
  fi
  # kube-score exits 1 on any CRITICAL finding; the output decides, and must hold results.
  "$KUBE_SCORE" score "${SCORE_FLAGS[@]}" "${ignore[@]}" "$TMP/${file%.yaml}-monitoring-yes.yaml" >"$TMP/score.txt" 2>&1 || true
  grep -q '^\[OK\]' "$TMP/score.txt" || { cat "$TMP/score.txt" >&2; die "kube-score produced no results for $file"; }
  grep -E '^\[(WARNING|CRITICAL)\]' "$TMP/score.txt" | sed 's/^/  kube-score: /' || true
  if grep -q '^\[CRITICAL\]' "$TMP/score.txt"; then die "kube-score found CRITICAL problems in $file"; fi
  info "ok   kube-score: $(grep -c '^\[OK\]' "$TMP/score.txt") checks OK, no CRITICAL"
done

step "kubeconform: a wrong field in a rendered ServiceMonitor or PrometheusRule fails"
RENDERED="$TMP/minimal-values-monitoring-yes.yaml"
bad_manifest() { # kind what sed-expression (applied to the rendered minimal-values manifests)
  local kind=$1 what=$2 expr=$3
  sed -E "$expr" "$RENDERED" >"$TMP/bad.yaml"
  ! cmp -s "$RENDERED" "$TMP/bad.yaml" || die "$kind ($what): the edit matched nothing in $RENDERED"
  if kubeconform "$TMP/bad.yaml" >"$TMP/kubeconform.txt" 2>&1; then
    cat "$TMP/kubeconform.txt" >&2
    die "kubeconform accepted a $kind with $what"
  fi
  grep -q "$kind .* is invalid" "$TMP/kubeconform.txt" || { cat "$TMP/kubeconform.txt" >&2; die "$kind ($what): not the expected failure"; }
  info "ok   refused: $kind with $what"
}
bad_manifest ServiceMonitor 'an unknown endpoint field' 's/^(      )path: \/metrics$/\1metricsPath: \/metrics/'
bad_manifest ServiceMonitor 'a scrape interval that is no duration' 's/^(      )interval: .*/\1interval: every 30 seconds/'
bad_manifest PrometheusRule 'an unknown rule field' '0,/^( *)for: /s//\1four: /'
bad_manifest PrometheusRule 'a "for" that is no duration' '0,/^( *)for: .*/s//\1for: five minutes/'

step "Helm: invalid values stop the render with a clear message"
bad_values() { # expected-message helm-args...
  local expected=$1
  shift
  if "$HELM" template ca "$CHART" -f "$CHART/ci/minimal-values.yaml" --kube-version "$K8S_VERSION" "$@" >/dev/null 2>"$TMP/err.txt"; then
    die "helm template $* should have failed with: $expected"
  fi
  grep -qF -- "$expected" "$TMP/err.txt" || { cat "$TMP/err.txt" >&2; die "helm template $*: expected the message: $expected"; }
  info "ok   $* -> $expected"
}
bad_values 'secrets.existingSecret is required' --set secrets.existingSecret=
bad_values 'replicaCount must be at least 1' --set replicaCount=0
bad_values 'replicaCount must be at least 2' --set replicaCount=1
bad_values 'autoscaling.minReplicas must be at least 2' --set autoscaling.enabled=true --set autoscaling.minReplicas=1
bad_values 'autoscaling.minReplicas (5) must not exceed autoscaling.maxReplicas (3)' --set autoscaling.enabled=true --set autoscaling.minReplicas=5 --set autoscaling.maxReplicas=3
bad_values 'ingress.host is required' --set ingress.enabled=true
bad_values 'backup.persistence.existingClaim is required' --set backup.persistence.existingClaim=
bad_values 'image.tag must not be "latest"' --set image.tag=latest
bad_values 'lifecycle.terminationGracePeriodSeconds (15) must be longer' --set lifecycle.terminationGracePeriodSeconds=15
bad_values 'value "env" is no longer supported' --set env.LOG_LEVEL=debug
bad_values 'value "pdb" is no longer supported: renamed to podDisruptionBudget' --set pdb.enabled=true
bad_values 'secrets.jwtSecret is not supported' --set secrets.jwtSecret=hunter2
bad_values 'backup.pvc was renamed to backup.persistence.existingClaim' --set backup.pvc=backups
bad_values "additional properties 'replicas' not allowed" --set replicas=3
bad_values '/securityContext/readOnlyRootFilesystem' --set securityContext.readOnlyRootFilesystem=false
bad_values "/exporters/redis/image/digest" --set exporters.redis.image.digest=
bad_values "/exporters/mongodb/image/tag" --set exporters.mongodb.image.tag=latest
bad_values "/backup/offsite/s3Url" --set backup.offsite.s3Url=https://bucket/prefix
bad_values "/backup/offsite/s3Url" --set backup.offsite.s3Url=s3://AKIA:secret@bucket/prefix

step "Helm: the Alertmanager configuration rendered from oncall.* routes by severity"
"$HELM" template ca "$CHART" -f "$CHART/ci/minimal-values.yaml" --kube-version "$K8S_VERSION" \
  --show-only templates/alertmanager-config.yaml | sed -n '/^  alertmanager.yml: |$/,$p' | tail -n +2 | sed 's/^    //' >"$TMP/alertmanager.yml"
amtool check-config "$TMP/alertmanager.yml" >/dev/null || { amtool check-config "$TMP/alertmanager.yml" >&2; die "the chart's Alertmanager configuration is invalid"; }
routes() { amtool config routes test --config.file="$TMP/alertmanager.yml" "$@" 2>/dev/null; }
[ "$(routes severity=critical alertname=HighErrorRate)" = pager ] || die "critical alerts must page"
[ "$(routes severity=warning alertname=HighCPUUsage)" = chat-primary ] || die "warnings must go to the primary's chat"
[ "$(routes severity=warning alertname=MongoReplicationLagHigh)" = chat-dba,chat-primary ] || die "datastore warnings must reach the DBA too"
[ "$(routes severity=critical alertname=DatabaseConnectionLost)" = chat-dba,pager ] || die "a lost database must page and reach the DBA"
info "ok   amtool check-config; critical -> pager, warning -> chat-primary, datastore alerts also -> chat-dba"

# ------------------------------------------------------------------------------- compose
step "Compose: deploy/compose/docker-compose.yml (what it mounts: test/deploy/compose.spec.ts)"
"${COMPOSE[@]}" -f deploy/compose/docker-compose.yml config -q
info "ok   ${COMPOSE[*]} config"

# ---------------------------------------------------------------------------- formatting
step "Formatting (prettier, as npm run lint does)"
if [ -x node_modules/.bin/prettier ] && command -v node >/dev/null; then
  node_modules/.bin/prettier --check charts deploy scripts/deploy
else
  info "skipped: node_modules/.bin/prettier is not installed (npm ci)"
fi

printf '\nAll deployment checks passed in %ss.\n' "$(($(date +%s) - STARTED))"
