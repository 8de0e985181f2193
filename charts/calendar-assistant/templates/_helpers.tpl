{{/*
Chart name, truncated to the 63 characters of a DNS label.
*/}}
{{- define "calendar-assistant.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name of the release's objects: <release>-<chart>, or <release> when it already contains the
chart name.
*/}}
{{- define "calendar-assistant.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
chart label value: name-version.
*/}}
{{- define "calendar-assistant.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels of every object.
*/}}
{{- define "calendar-assistant.labels" -}}
helm.sh/chart: {{ include "calendar-assistant.chart" . }}
{{ include "calendar-assistant.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: calendar-assistant
{{- end }}

{{/*
Labels that select the release's pods (never change them: selectors are immutable).
*/}}
{{- define "calendar-assistant.selectorLabels" -}}
app.kubernetes.io/name: {{ include "calendar-assistant.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Selector labels of the API pods.
*/}}
{{- define "calendar-assistant.apiSelectorLabels" -}}
{{ include "calendar-assistant.selectorLabels" . }}
app.kubernetes.io/component: api
{{- end }}

{{/*
Selector labels of the backup pods.
*/}}
{{- define "calendar-assistant.backupSelectorLabels" -}}
{{ include "calendar-assistant.selectorLabels" . }}
app.kubernetes.io/component: backup
{{- end }}

{{/*
Name of the ServiceAccount.
*/}}
{{- define "calendar-assistant.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "calendar-assistant.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Image reference: repository:tag, repository:tag@digest or repository@digest.
*/}}
{{- define "calendar-assistant.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag | toString }}
{{- if .Values.image.digest }}
{{- printf "%s:%s@%s" .Values.image.repository $tag .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/*
Environment of the API and backup containers: the ConfigMap, and the credentials from the existing
Secret (never from values).
*/}}
{{- define "calendar-assistant.env" -}}
envFrom:
  - configMapRef:
      name: {{ include "calendar-assistant.fullname" . }}
env:
  {{- range $key := list "MONGODB_URI" "REDIS_URL" "JWT_SECRET" }}
  - name: {{ $key }}
    valueFrom:
      secretKeyRef:
        name: {{ $.Values.secrets.existingSecret }}
        key: {{ $key }}
  {{- end }}
  {{- range $key := list "OPENAI_API_KEY" "SECURITY_WEBHOOK_URL" "BACKUP_ENCRYPTION_KEY" "SMTP_URL" }}
  - name: {{ $key }}
    valueFrom:
      secretKeyRef:
        name: {{ $.Values.secrets.existingSecret }}
        key: {{ $key }}
        optional: true
  {{- end }}
{{- end }}

{{/*
Environment of the backup pods' off-site copy (backup.offsite), as items of an env list: the URL,
region and endpoint as values, the AWS credentials only by reference to their Secret.
*/}}
{{- define "calendar-assistant.backupOffsiteEnv" -}}
{{- $o := .Values.backup.offsite -}}
{{- if $o.s3Url }}
- name: BACKUP_S3_URL
  value: {{ $o.s3Url | quote }}
- name: AWS_REGION
  value: {{ $o.region | quote }}
{{- with $o.endpoint }}
- name: AWS_ENDPOINT_URL
  value: {{ . | quote }}
{{- end }}
{{- if not (kindIs "invalid" $o.forcePathStyle) }}
- name: BACKUP_S3_FORCE_PATH_STYLE
  value: {{ $o.forcePathStyle | quote }}
{{- end }}
{{- with $o.credentialsSecret }}
{{- range $key := list "AWS_ACCESS_KEY_ID" "AWS_SECRET_ACCESS_KEY" }}
- name: {{ $key }}
  valueFrom:
    secretKeyRef:
      name: {{ $o.credentialsSecret }}
      key: {{ $key }}
{{- end }}
- name: AWS_SESSION_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ $o.credentialsSecret }}
      key: AWS_SESSION_TOKEN
      optional: true
{{- end }}
{{- end }}
{{- end }}

{{/*
Pod-level scheduling settings shared by the API and backup pods.
*/}}
{{- define "calendar-assistant.podScheduling" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
NetworkPolicy peers for a list of CIDRs or a namespace; nothing (= anywhere) when neither is set.
The exceptions apply to a 0.0.0.0/0 entry only (an exception must lie inside its CIDR). Argument: dict "cidrs" list "except" list "namespace" string.
*/}}
{{- define "calendar-assistant.egressPeers" -}}
{{- if .namespace }}
to:
  - namespaceSelector:
      matchLabels:
        kubernetes.io/metadata.name: {{ .namespace }}
{{- else if .cidrs }}
to:
  {{- range .cidrs }}
  - ipBlock:
      cidr: {{ . }}
      {{- if and (eq . "0.0.0.0/0") $.except }}
      except:
        {{- toYaml $.except | nindent 8 }}
      {{- end }}
  {{- end }}
{{- end }}
{{- end }}

{{/*
Egress rules shared by the API and backup pods: DNS, MongoDB and Redis.
*/}}
{{- define "calendar-assistant.egressRules" -}}
{{- $egress := .Values.networkPolicy.egress -}}
# Cluster DNS.
- to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: {{ $egress.dns.namespace }}
      {{- with $egress.dns.podLabels }}
      podSelector:
        matchLabels:
          {{- toYaml . | nindent 10 }}
      {{- end }}
  ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
# MongoDB.
- ports:
    - port: {{ $egress.mongodb.port }}
      protocol: TCP
  {{- with include "calendar-assistant.egressPeers" $egress.mongodb | trim }}
  {{- . | nindent 2 }}
  {{- end }}
# Redis.
- ports:
    - port: {{ $egress.redis.port }}
      protocol: TCP
  {{- with include "calendar-assistant.egressPeers" $egress.redis | trim }}
  {{- . | nindent 2 }}
  {{- end }}
{{- end }}

{{/*
The 32 (IPv4) or 128 (IPv6) bits of the address of a CIDR, as a string of 0s and 1s: what
deniedCIDRs needs to tell which ranges lie inside which (Helm's template functions have no CIDR
arithmetic).
*/}}
{{- define "calendar-assistant.cidrBits" -}}
{{- $addr := first (splitList "/" .) | lower -}}
{{- if contains ":" $addr -}}
{{- $nibbles := dict "0" "0000" "1" "0001" "2" "0010" "3" "0011" "4" "0100" "5" "0101" "6" "0110" "7" "0111" "8" "1000" "9" "1001" "a" "1010" "b" "1011" "c" "1100" "d" "1101" "e" "1110" "f" "1111" -}}
{{- $halves := splitList "::" $addr -}}
{{- $head := list -}}
{{- if first $halves }}{{ $head = splitList ":" (first $halves) }}{{ end -}}
{{- $tail := list -}}
{{- if and (eq (len $halves) 2) (last $halves) }}{{ $tail = splitList ":" (last $halves) }}{{ end -}}
{{- $groups := $head -}}
{{- range until (int (sub 8 (add (len $head) (len $tail)))) }}{{ $groups = append $groups "0" }}{{ end -}}
{{- range concat $groups $tail -}}
{{- range splitList "" (printf "%s%s" (repeat (int (sub 4 (len .))) "0") .) }}{{ get $nibbles . }}{{ end -}}
{{- end -}}
{{- else -}}
{{- range splitList "." $addr }}{{ printf "%08b" (atoi .) }}{{ end -}}
{{- end -}}
{{- end -}}

{{/*
The ipBlock peers for networkPolicy.ingress.cidrs with networkPolicy.deniedCIDRs taken out, as YAML
(empty when none is left): a denied range inside an allowed one becomes its `except`, an allowed
range wholly inside a denied one is dropped. Only ever narrows.
*/}}
{{- define "calendar-assistant.ingressIpPeers" -}}
{{- $np := .Values.networkPolicy -}}
{{- $peers := list -}}
{{- range $allow := $np.ingress.cidrs -}}
{{- $aBits := include "calendar-assistant.cidrBits" $allow -}}
{{- $aLen := int (last (splitList "/" $allow)) -}}
{{- $except := list -}}
{{- $dropped := false -}}
{{- range $deny := $np.deniedCIDRs -}}
{{- $dBits := include "calendar-assistant.cidrBits" $deny -}}
{{- $dLen := int (last (splitList "/" $deny)) -}}
{{- if eq (len $aBits) (len $dBits) -}}
{{- if and (le $dLen $aLen) (eq (substr 0 $dLen $aBits) (substr 0 $dLen $dBits)) -}}
{{- $dropped = true -}}
{{- else if and (gt $dLen $aLen) (eq (substr 0 $aLen $aBits) (substr 0 $aLen $dBits)) -}}
{{- $except = append $except $deny -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if not $dropped -}}
{{- $block := dict "cidr" $allow -}}
{{- if $except }}{{ $_ := set $block "except" (uniq $except) }}{{ end -}}
{{- $peers = append $peers (dict "ipBlock" $block) -}}
{{- end -}}
{{- end -}}
{{- if $peers }}{{ toYaml $peers }}{{ end -}}
{{- end -}}
