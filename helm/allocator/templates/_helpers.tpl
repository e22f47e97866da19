{{/* Chart name, or nameOverride. */}}
{{- define "allocator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name of the release's resources: fullnameOverride, the release name when it already
contains the chart name, else "<release>-<chart>". */}}
{{- define "allocator.fullname" -}}
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

{{/* Labels that select the pods (never change them after install). */}}
{{- define "allocator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "allocator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of every resource. */}}
{{- define "allocator.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "allocator.selectorLabels" . }}
app.kubernetes.io/version: {{ include "allocator.version" . | replace "+" "_" | trunc 63 | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The version replicas advertise for version-aware hand-over. */}}
{{- define "allocator.version" -}}
{{- .Values.appVersion | default .Values.image.tag | default .Chart.AppVersion | toString }}
{{- end }}

{{- define "allocator.image" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion | toString }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{- define "allocator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "allocator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* "true" when the leader watches Agones GameServers (inventory.source=kubernetes). */}}
{{- define "allocator.kubernetesMode" -}}
{{- $source := .Values.inventory.source | default "standalone" }}
{{- if not (has $source (list "standalone" "kubernetes")) }}
{{- fail (printf "inventory.source must be standalone or kubernetes, not %q" $source) }}
{{- end }}
{{- if eq $source "kubernetes" }}true{{ end }}
{{- end }}

{{/*
The RBAC rules of Kubernetes mode, in one place: what the leader does to Agones GameServers in
the watched namespaces, and to its own pod (pod-deletion-cost, so the leader is scaled down
last). Allocator.Tests/Helm compares the rendered rules with its own list.
*/}}
{{- define "allocator.rbac.gameServerRules" -}}
- apiGroups: ["agones.dev"]
  resources: ["gameservers"]
  verbs: ["get", "list", "watch", "patch"]
{{- end }}

{{- define "allocator.rbac.podRules" -}}
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["patch"]
{{- end }}

{{/* Name of the bundled Redis chart's resources, as bitnami/redis names them. */}}
{{- define "allocator.redis.fullname" -}}
{{- $redis := .Values.redis | default dict }}
{{- if $redis.fullnameOverride }}
{{- $redis.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default "redis" $redis.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* host:port of the Redis primary (Allocator__Redis). */}}
{{- define "allocator.redis.address" -}}
{{- if .Values.redis.enabled }}
{{- if and .Values.redis.sentinel .Values.redis.sentinel.enabled }}
{{- fail "redis.sentinel.enabled is not supported: the allocator connects to one primary. Use architecture standalone or replication, or externalRedis." }}
{{- end }}
{{- if and .Values.redis.tls .Values.redis.tls.enabled }}
{{- fail "redis.tls.enabled is not wired into the allocator: the bundled Redis is reached inside the cluster without TLS. For Redis over TLS set redis.enabled=false and externalRedis.tls." }}
{{- end }}
{{- $port := 6379 }}
{{- if and .Values.redis.master .Values.redis.master.service .Values.redis.master.service.ports .Values.redis.master.service.ports.redis }}
{{- $port = .Values.redis.master.service.ports.redis }}
{{- end }}
{{- printf "%s-master:%v" (include "allocator.redis.fullname" .) $port }}
{{- else }}
{{- $host := required "externalRedis.host is required when redis.enabled=false: the host name or IP of your Redis primary" .Values.externalRedis.host }}
{{- printf "%s:%v" $host (.Values.externalRedis.port | default 6379) }}
{{- end }}
{{- end }}

{{/* Secret name and key of the Redis password as "name/key", or empty when there is none. */}}
{{- define "allocator.redis.passwordRef" -}}
{{- if .Values.redis.enabled }}
{{- if .Values.redis.auth.enabled }}
{{- $secret := .Values.redis.auth.existingSecret | default (include "allocator.redis.fullname" .) }}
{{- $key := .Values.redis.auth.existingSecretPasswordKey | default "redis-password" }}
{{- printf "%s/%s" $secret $key }}
{{- end }}
{{- else if .Values.externalRedis.existingSecret }}
{{- printf "%s/%s" .Values.externalRedis.existingSecret (.Values.externalRedis.existingSecretPasswordKey | default "redis-password") }}
{{- end }}
{{- end }}

{{/* Name of the Secret with the server certificate (tls.crt, tls.key, ca.crt). */}}
{{- define "allocator.tls.secretName" -}}
{{- .Values.tls.existingSecret | default (printf "%s-tls" (include "allocator.fullname" .)) }}
{{- end }}

{{/* Name of the generated client certificate Secret (only without tls.existingSecret). */}}
{{- define "allocator.tls.clientSecretName" -}}
{{- printf "%s-client-tls" (include "allocator.fullname" .) }}
{{- end }}

{{/* Seconds in a TimeSpan "[d.]hh:mm:ss[.fff]"; -1 when it has another form. */}}
{{- define "allocator.timespanSeconds" -}}
{{- $s := toString . }}
{{- if regexMatch "^([0-9]+\\.)?[0-9]+:[0-9]{1,2}:[0-9]{1,2}(\\.[0-9]+)?$" $s }}
{{- $days := 0 }}
{{- $parts := splitList ":" $s }}
{{- $hours := index $parts 0 }}
{{- if contains "." $hours }}
{{- $days = splitList "." $hours | first | int }}
{{- $hours = splitList "." $hours | last }}
{{- end }}
{{- add (mul $days 86400) (mul (int $hours) 3600) (mul (int (index $parts 1)) 60) (index $parts 2 | float64 | ceil | int) }}
{{- else }}-1{{ end }}
{{- end }}

{{/* A value as text; whole numbers read from YAML files (float64) without exponent (1000000, not 1e+06). */}}
{{- define "allocator.string" -}}
{{- if and (kindIs "float64" .) (eq (float64 (int64 .)) .) }}
{{- int64 . }}
{{- else }}
{{- toString . }}
{{- end }}
{{- end }}
