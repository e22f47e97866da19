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

{{/*
The image, from image.repository, which every install sets: no public image is published, so
an empty repository, or a placeholder under example.com, fails here with
what to do instead of leaving pods in ImagePullBackOff.
*/}}
{{- define "allocator.image" -}}
{{- $repository := .Values.image.repository | default "" | toString }}
{{- if not $repository }}
{{- fail "image.repository is required: build the image from the repository's Dockerfile (docker build -t <registry>/allocator:0.1.0 .), push it to a registry your cluster pulls from and set image.repository=<registry>/allocator; with kind, load it (kind load docker-image allocator:0.1.0) and set image.repository=allocator" }}
{{- end }}
{{- if regexMatch "^([^/]*\\.)?example\\.(com|org|net)(:[0-9]+)?/" $repository }}
{{- fail (printf "image.repository %q is a placeholder (example.com): set the registry you pushed the allocator image to" $repository) }}
{{- end }}
{{- $tag := .Values.image.tag | default .Chart.AppVersion | toString }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" $repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" $repository $tag }}
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
Secret with the inventory API's bearer token: inventory.tokenSecret, else (stand-alone mode) the
one this chart generates, so the inventory API is on from the first install; empty in
Kubernetes mode without a Secret of yours (Agones owns the game servers there).
*/}}
{{- define "allocator.inventory.tokenSecretName" -}}
{{- if .Values.inventory.tokenSecret }}
{{- .Values.inventory.tokenSecret }}
{{- else if not (include "allocator.kubernetesMode" .) }}
{{- printf "%s-inventory-token" (include "allocator.fullname" .) }}
{{- end }}
{{- end }}

{{/*
ConfigMap with the seed game servers: inventory.seedConfigMap, or the one this chart makes from
inventory.seed; empty when there are none. Seeds and the demo fleet are for stand-alone mode.
*/}}
{{- define "allocator.inventory.seedConfigMapName" -}}
{{- $seed := .Values.inventory.seed | default list }}
{{- if and $seed .Values.inventory.seedConfigMap }}
{{- fail "inventory.seed and inventory.seedConfigMap are both set: give the seed game servers in one of them" }}
{{- end }}
{{- if and (include "allocator.kubernetesMode" .) (or $seed .Values.inventory.seedConfigMap .Values.inventory.demoFleet) }}
{{- fail "inventory.seed / seedConfigMap / demoFleet are for stand-alone mode: in Kubernetes mode game servers come from Agones GameServers" }}
{{- end }}
{{- if .Values.inventory.seedConfigMap }}
{{- .Values.inventory.seedConfigMap }}
{{- else if $seed }}
{{- printf "%s-seed" (include "allocator.fullname" .) }}
{{- end }}
{{- end }}

{{/*
A parameter of inventory.demoFleet ("servers=100,...,fleet=demo"), else the default the service
gives it; called with (list . "fleet" "demo"). NOTES.txt allocates from that fleet and counter.
*/}}
{{- define "allocator.demoFleetParam" -}}
{{- $root := index . 0 }}
{{- $pattern := printf "(^|,) *%s=[^,]+" (index . 1) }}
{{- $found := regexFind $pattern ($root.Values.inventory.demoFleet | default "") }}
{{- regexReplaceAll "^,? *[a-zA-Z]+=" $found "" | trim | default (index . 2) }}
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
# Events on the GameServers ("Allocated", counter and list action errors), as Agones' allocator records them.
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create"]
{{- if .Values.multiCluster.enabled }}
# Multi-cluster allocation: every replica watches Agones' GameServerAllocationPolicies and reads
# the client-certificate Secrets they name (secretName), in the policies' namespaces.
- apiGroups: ["multicluster.agones.dev"]
  resources: ["gameserverallocationpolicies"]
  verbs: ["list", "watch"]
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get"]
  {{- with .Values.multiCluster.secretNames }}
  resourceNames:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- end }}

{{/*
"true" when the allocator serves the aggregated API allocation.agones.dev/v1 (kubernetesApi.enabled).
It needs TLS: an APIService is always reached over TLS, and the front proxy authenticates with a
client certificate.
*/}}
{{- define "allocator.kubernetesApi" -}}
{{- if .Values.kubernetesApi.enabled }}
{{- if not .Values.tls.enabled }}
{{- fail "kubernetesApi.enabled needs tls.enabled: the Kubernetes API server reaches an APIService over TLS and authenticates with a front-proxy client certificate" }}
{{- end }}
{{- true }}
{{- else if .Values.kubernetesApi.apiService.create }}
{{- fail "kubernetesApi.apiService.create needs kubernetesApi.enabled: the APIService would route allocation.agones.dev to replicas that do not serve it" }}
{{- end }}
{{- end }}

{{/* The aggregated API reads the request-header CA the API server publishes (a standard Role in kube-system). */}}
{{- define "allocator.rbac.accessReviewRules" -}}
- apiGroups: ["authorization.k8s.io"]
  resources: ["subjectaccessreviews"]
  verbs: ["create"]
{{- end }}

{{/*
The APIService v1.allocation.agones.dev, called with (list . caBundle): caBundle is base64 PEM,
or empty when cert-manager's cainjector fills it (annotation cert-manager.io/inject-ca-from).
*/}}
{{- define "allocator.apiService" -}}
{{- $root := index . 0 }}
{{- $caBundle := index . 1 }}
{{- $api := $root.Values.kubernetesApi.apiService }}
{{- if and (not $caBundle) (not (hasKey ($api.annotations | default dict) "cert-manager.io/inject-ca-from")) }}
{{- fail "kubernetesApi.apiService: no CA bundle for the allocator's serving certificate: set kubernetesApi.apiService.caBundle, or annotate it for cert-manager's cainjector (kubernetesApi.apiService.annotations cert-manager.io/inject-ca-from)" }}
{{- end }}
# Routes allocation.agones.dev/v1 (GameServerAllocation) from the Kubernetes API server to the allocator.
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  name: v1.allocation.agones.dev
  labels:
    {{- include "allocator.labels" $root | nindent 4 }}
  {{- with $api.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  group: allocation.agones.dev
  version: v1
  service:
    name: {{ include "allocator.fullname" $root }}
    namespace: {{ $root.Release.Namespace }}
    port: {{ $root.Values.service.port }}
  {{- with $caBundle }}
  caBundle: {{ . }}
  {{- end }}
  groupPriorityMinimum: {{ $api.groupPriorityMinimum }}
  versionPriority: {{ $api.versionPriority }}
{{- end }}

{{- define "allocator.rbac.podRules" -}}
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["patch"]
{{- end }}

{{/*
"true" when the bundled Redis (the redis-ha subchart) is installed. Also refuses values of the
former bitnami/redis dependency (section "redis"), which would otherwise be ignored silently.
*/}}
{{- define "allocator.redis.bundled" -}}
{{- if hasKey .Values "redis" }}
{{- fail "redis.* configured the former bitnami/redis dependency, which this chart no longer uses: the bundled Redis is the redis-ha chart (values under redis-ha.*; turn it off with redis-ha.enabled=false and use externalRedis.*). See README.md, \"Switching from bitnami/redis\"." }}
{{- end }}
{{- $ha := index .Values "redis-ha" | default dict }}
{{- if $ha.enabled }}true{{ end }}
{{- end }}

{{/* Name of the redis-ha chart's resources, as redis-ha names them (its "redis-ha.fullname"). */}}
{{- define "allocator.redis.fullname" -}}
{{- $ha := index .Values "redis-ha" | default dict }}
{{- if $ha.fullnameOverride }}
{{- $ha.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default "redis-ha" $ha.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Name of the password Secret this chart generates for redis-ha when redis-ha.existingSecret keeps its default. */}}
{{- define "allocator.redis.generatedSecretName" -}}
{{- printf "%s-redis-ha-auth" .Release.Name }}
{{- end }}

{{/* Name of the Secret redis-ha reads its password from: existingSecret (a template), else the one redis-ha makes from redisPassword. */}}
{{- define "allocator.redis.secretName" -}}
{{- $ha := index .Values "redis-ha" | default dict }}
{{- tpl ($ha.existingSecret | default "" | toString) . | default (include "allocator.redis.fullname" .) }}
{{- end }}

{{/* Name of the primary the Sentinels monitor (redis-ha.redis.masterGroupName, a template). */}}
{{- define "allocator.redis.masterGroupName" -}}
{{- $ha := index .Values "redis-ha" | default dict }}
{{- $redis := $ha.redis | default dict }}
{{- tpl ($redis.masterGroupName | default "mymaster" | toString) . }}
{{- end }}

{{/*
Allocator__Redis, a StackExchange.Redis configuration string: the bundled redis-ha's Sentinels
(one announce Service each) and the primary's name; an external Redis' Sentinels and serviceName;
an external Redis Cluster's nodes; or an external host:port.
*/}}
{{- define "allocator.redis.address" -}}
{{- if include "allocator.redis.bundled" . }}
{{- $ha := index .Values "redis-ha" }}
{{- $redis := $ha.redis | default dict }}
{{- $sentinel := $ha.sentinel | default dict }}
{{- if or $redis.tlsPort $sentinel.tlsPort }}
{{- fail "redis-ha.redis.tlsPort / redis-ha.sentinel.tlsPort are not wired into the allocator: the bundled Redis is reached inside the cluster without TLS. For Redis over TLS set redis-ha.enabled=false and externalRedis.tls." }}
{{- end }}
{{- $port := $sentinel.port | default 26379 }}
{{- if eq (int $port) 0 }}
{{- fail "redis-ha.sentinel.port must not be 0: the allocator finds the primary through the Sentinels" }}
{{- end }}
{{- if .Values.externalRedis.host }}
{{- fail "externalRedis.host is set but the bundled Redis is on: set redis-ha.enabled=false to use your own Redis" }}
{{- end }}
{{- if (.Values.externalRedis.cluster | default dict).enabled }}
{{- fail "externalRedis.cluster.enabled asks for a Redis Cluster, but the bundled redis-ha is one primary with replicas behind Sentinels, not a cluster: set redis-ha.enabled=false and list the cluster's nodes in externalRedis.cluster.nodes" }}
{{- end }}
{{- /* Each Sentinel by its own announce Service, so the allocator can follow the primary a majority names. */}}
{{- $fullname := include "allocator.redis.fullname" . }}
{{- $sentinels := list }}
{{- range $i := until (int ($ha.replicas | default 3)) }}
{{- $sentinels = append $sentinels (printf "%s-announce-%d:%v" $fullname $i $port) }}
{{- end }}
{{- printf "%s,serviceName=%s" (join "," $sentinels) (include "allocator.redis.masterGroupName" .) }}
{{- else }}
{{- $sentinel := .Values.externalRedis.sentinel | default dict }}
{{- $cluster := .Values.externalRedis.cluster | default dict }}
{{- if $cluster.enabled }}
{{- if or .Values.externalRedis.host $sentinel.endpoints }}
{{- fail "externalRedis.cluster.enabled with externalRedis.host or externalRedis.sentinel.endpoints: a Redis Cluster is reached through its nodes alone; list them in externalRedis.cluster.nodes and leave host and sentinel empty" }}
{{- end }}
{{- /* The cluster client learns the slot map from any node it reaches; listing several survives one being down at start. */}}
{{- $nodes := $cluster.nodes | default list }}
{{- if not $nodes }}
{{- fail "externalRedis.cluster.nodes is required with externalRedis.cluster.enabled: some or all of the cluster's nodes as host:port" }}
{{- end }}
{{- range $nodes }}
{{- if not (regexMatch "^[^,\\s]+:[0-9]+$" (toString .)) }}
{{- fail (printf "externalRedis.cluster.nodes: %q is not host:port" (toString .)) }}
{{- end }}
{{- end }}
{{- join "," $nodes }}
{{- else if $sentinel.endpoints }}
{{- $name := required "externalRedis.sentinel.serviceName is required with externalRedis.sentinel.endpoints: the name the Sentinels monitor the primary under" $sentinel.serviceName }}
{{- printf "%s,serviceName=%s" (join "," $sentinel.endpoints) $name }}
{{- else }}
{{- $host := required "externalRedis.host is required when redis-ha.enabled=false: the host name or IP of your Redis primary (or set externalRedis.sentinel.endpoints, or externalRedis.cluster)" .Values.externalRedis.host }}
{{- printf "%s:%v" $host (.Values.externalRedis.port | default 6379) }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Secret name and key of the Redis password as "name/key", or empty when there is none. With the
bundled redis-ha the Sentinels must take the same password: the allocator sends one to both.
*/}}
{{- define "allocator.redis.passwordRef" -}}
{{- if include "allocator.redis.bundled" . }}
{{- $ha := index .Values "redis-ha" }}
{{- $sentinel := $ha.sentinel | default dict }}
{{- $ref := "" }}
{{- if $ha.auth }}
{{- $ref = printf "%s/%s" (include "allocator.redis.secretName" .) ($ha.authKey | default "auth") }}
{{- end }}
{{- if $sentinel.auth }}
{{- $sentinelSecret := tpl ($sentinel.existingSecret | default "" | toString) . | default (printf "%s-sentinel" (include "allocator.redis.fullname" .)) }}
{{- $sentinelRef := printf "%s/%s" $sentinelSecret ($sentinel.authKey | default "sentinel-password") }}
{{- if ne $sentinelRef $ref }}
{{- fail (printf "redis-ha.sentinel.existingSecret/authKey (%s) must name the same Secret and key as redis-ha.existingSecret/authKey (%s), with redis-ha.auth on: the allocator sends one password (Allocator__RedisPassword) to Redis and to the Sentinels" $sentinelRef ($ref | default "none")) }}
{{- end }}
{{- end }}
{{- $ref }}
{{- else if .Values.externalRedis.existingSecret }}
{{- printf "%s/%s" .Values.externalRedis.existingSecret (.Values.externalRedis.existingSecretPasswordKey | default "redis-password") }}
{{- end }}
{{- end }}

{{/*
Allocator__MinReplicas: redisReplication.minReplicas, else 1 with the bundled redis-ha; empty
(the service's default, 0) with an external Redis. With the bundled Redis it must stay below
the number of nodes, as must min-replicas-to-write, or no write could ever succeed.
*/}}
{{- define "allocator.redis.minReplicas" -}}
{{- $value := (.Values.redisReplication | default dict).minReplicas }}
{{- $set := "" }}
{{- if not (kindIs "invalid" $value) }}
{{- $set = include "allocator.string" $value }}
{{- end }}
{{- if and $set (not (regexMatch "^[0-9]+$" $set)) }}
{{- fail (printf "redisReplication.minReplicas must be a whole number, not %q" $set) }}
{{- end }}
{{- if include "allocator.redis.bundled" . }}
{{- $ha := index .Values "redis-ha" }}
{{- $nodes := int ($ha.replicas | default 3) }}
{{- $config := ($ha.redis | default dict).config | default dict }}
{{- $toWrite := int (index $config "min-replicas-to-write" | default 0) }}
{{- $min := $set | default "1" }}
{{- if ge (int $min) $nodes }}
{{- fail (printf "redisReplication.minReplicas (%s%s) must be below redis-ha.replicas (%d): a commit cannot be acknowledged by more replicas than there are" $min (ternary "" ", the default with the bundled Redis" (not (empty $set))) $nodes) }}
{{- end }}
{{- if ge $toWrite $nodes }}
{{- fail (printf "redis-ha.redis.config.min-replicas-to-write (%d) must be below redis-ha.replicas (%d), or the primary refuses every write" $toWrite $nodes) }}
{{- end }}
{{- $min }}
{{- else }}
{{- $set }}
{{- end }}
{{- end }}

{{/* Name of the Secret with the server certificate (tls.crt, tls.key; ca.crt: its CA, for callers). */}}
{{- define "allocator.tls.secretName" -}}
{{- .Values.tls.existingSecret | default (printf "%s-tls" (include "allocator.fullname" .)) }}
{{- end }}

{{/* Name of the generated client certificate Secret (only without tls.existingSecret). */}}
{{- define "allocator.tls.clientSecretName" -}}
{{- printf "%s-client-tls" (include "allocator.fullname" .) }}
{{- end }}

{{/*
The Secret of client CAs mounted as Allocator__Tls__ClientCaDirectory (every *.crt / *.pem key is
trusted, as Agones' allocator-client-ca): tls.clientCa.existingSecret, else the chart's own
(generated certificates, or tls.clientCa.certificates); empty when clients are not authenticated,
or when only tls.existingSecret is given (its ca.crt is then the client CA too).
*/}}
{{- define "allocator.tls.clientCaSecretName" -}}
{{- $clientCa := .Values.tls.clientCa | default dict }}
{{- if and .Values.tls.enabled .Values.tls.clientAuth }}
{{- if $clientCa.existingSecret }}
{{- $clientCa.existingSecret }}
{{- else if or (not .Values.tls.existingSecret) $clientCa.certificates }}
{{- include "allocator.tls.ownClientCaSecretName" . }}
{{- end }}
{{- end }}
{{- end }}

{{/* Name of the client CA Secret the chart makes. */}}
{{- define "allocator.tls.ownClientCaSecretName" -}}
{{- printf "%s-client-ca" (include "allocator.fullname" .) }}
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

{{/*
Allocator:Partitions:Count, checked as the service checks it (1 to 256, stand-alone mode only
above 1), with partitions.by and every partitions.table entry; the count as text.
*/}}
{{- define "allocator.partitions.count" -}}
{{- $partitions := .Values.partitions | default dict }}
{{- $count := "1" }}
{{- if not (kindIs "invalid" $partitions.count) }}
{{- $count = include "allocator.string" $partitions.count }}
{{- end }}
{{- if not (regexMatch "^[0-9]+$" $count) }}
{{- fail (printf "partitions.count must be a whole number from 1 to 256, not %q" $count) }}
{{- end }}
{{- if or (lt (int $count) 1) (gt (int $count) 256) }}
{{- fail (printf "partitions.count must be from 1 to 256, not %s" $count) }}
{{- end }}
{{- if and (gt (int $count) 1) (include "allocator.kubernetesMode" .) }}
{{- fail (printf "partitions.count (%s) above 1 is for stand-alone mode: Kubernetes mode (inventory.source=kubernetes) watches one set of GameServers and writes them back from one outbox, so it runs one partition" $count) }}
{{- end }}
{{- with $partitions.by }}
{{- if not (has (lower (toString .)) (list "fleet" "namespace")) }}
{{- fail (printf "partitions.by must be Fleet or Namespace, not %q" (toString .)) }}
{{- end }}
{{- end }}
{{- range $name, $partition := $partitions.table | default dict }}
{{- /* A label value (a fleet) or a namespace name; "__" would split the setting's name. */}}
{{- if or (not (regexMatch "^[a-zA-Z0-9]([-._a-zA-Z0-9]*[a-zA-Z0-9])?$" $name)) (contains "__" $name) }}
{{- fail (printf "partitions.table: %q is not a fleet or namespace name (letters, digits, '-', '_', '.', starting and ending with a letter or digit, no '__')" $name) }}
{{- end }}
{{- $value := include "allocator.string" $partition }}
{{- if or (not (regexMatch "^[0-9]+$" $value)) (ge (int $value) (int $count)) }}
{{- fail (printf "partitions.table.%s is %s: a partition must be from 0 to partitions.count - 1 (%d)" $name $value (sub (int $count) 1)) }}
{{- end }}
{{- end }}
{{- $count }}
{{- end }}
