{{/* Chart name. */}}
{{- define "flowline.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-wide name; per-service objects are "<fullname>-<service>". */}}
{{- define "flowline.fullname" -}}
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

{{- define "flowline.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "flowline.labels" -}}
helm.sh/chart: {{ include "flowline.chart" . }}
app.kubernetes.io/name: {{ include "flowline.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: flowline
{{- end }}

{{/* Selector of the whole release. */}}
{{- define "flowline.selectorLabels" -}}
app.kubernetes.io/name: {{ include "flowline.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Per-service helpers take a dict: (dict "root" $ "name" "ingest").
*/}}
{{- define "flowline.serviceFullname" -}}
{{- printf "%s-%s" (include "flowline.fullname" .root) .name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "flowline.serviceLabels" -}}
{{ include "flowline.labels" .root }}
app.kubernetes.io/component: {{ .name }}
{{- end }}

{{- define "flowline.serviceSelectorLabels" -}}
{{ include "flowline.selectorLabels" .root }}
app.kubernetes.io/component: {{ .name }}
{{- end }}

{{/*
The effective settings of one service: `defaults` deep-merged with `services.<name>`, as YAML
(use with fromYaml). Maps merge key by key; lists and scalars of the service replace the default.
*/}}
{{- define "flowline.serviceValues" -}}
{{- $svc := index .root.Values.services .name | default dict }}
{{- toYaml (mergeOverwrite (deepCopy .root.Values.defaults) (deepCopy $svc)) }}
{{- end }}

{{/* A service is deployed unless `enabled: false`. */}}
{{- define "flowline.serviceEnabled" -}}
{{- $svc := index .root.Values.services .name | default dict }}
{{- if or (not (hasKey $svc "enabled")) $svc.enabled }}true{{ end }}
{{- end }}

{{/* Kafka consumer group of a service: <prefix><service>. */}}
{{- define "flowline.consumerGroup" -}}
{{- printf "%s%s" .root.Values.config.topicPrefix .name }}
{{- end }}

{{- define "flowline.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{- define "flowline.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "flowline.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "flowline.configMapName" -}}
{{- printf "%s-config" (include "flowline.fullname" .) }}
{{- end }}

{{- define "flowline.secretName" -}}
{{- if .Values.secrets.existingSecret }}
{{- .Values.secrets.existingSecret }}
{{- else }}
{{- printf "%s-secrets" (include "flowline.fullname" .) }}
{{- end }}
{{- end }}

{{/* Non-secret environment (ConfigMap data). */}}
{{- define "flowline.configData" -}}
KAFKA_BROKERS: {{ .Values.config.kafkaBrokers | quote }}
FLOWLINE_TOPIC_PREFIX: {{ .Values.config.topicPrefix | quote }}
FLOWLINE_PARTITIONS: {{ .Values.config.partitions | quote }}
FLOWLINE_ALLOW_PRIVATE_TARGETS: {{ .Values.config.allowPrivateTargets | quote }}
LOG_LEVEL: {{ .Values.config.logLevel | quote }}
FLOWLINE_HTTP_HOST: {{ .Values.config.httpHost | quote }}
FLOWLINE_CREATE_TOPICS: {{ .Values.config.createTopics | toString | quote }}
FLOWLINE_MIGRATE_ON_START: {{ not .Values.migration.enabled | toString | quote }}
NODE_ENV: "production"
{{- with .Values.config.replicationFactor }}
FLOWLINE_REPLICATION_FACTOR: {{ . | toString | quote }}
{{- end }}
{{- with .Values.config.minInsyncReplicas }}
FLOWLINE_MIN_INSYNC_REPLICAS: {{ . | toString | quote }}
{{- end }}
{{- include "flowline.kafkaConfigData" . }}
{{- range $k, $v := .Values.config.extraEnv }}
{{ $k }}: {{ $v | quote }}
{{- end }}
{{- end }}

{{/*
Secret environment (Secret stringData). An empty admin token or secret key is taken from the
release's existing Secret (upgrades) or generated once per render (install); the generated value
is stored back into .Values so the migration hook's copy and the Secret agree.
*/}}
{{- define "flowline.secretData" -}}
{{- $s := .Values.secrets }}
{{- $existing := dict }}
{{- $found := lookup "v1" "Secret" .Release.Namespace (include "flowline.secretName" .) }}
{{- if and $found $found.data }}{{ $existing = $found.data }}{{ end }}
{{- if not $s.adminToken }}
{{- if hasKey $existing "FLOWLINE_ADMIN_TOKEN" }}
{{- $_ := set $s "adminToken" (index $existing "FLOWLINE_ADMIN_TOKEN" | b64dec) }}
{{- else }}
{{- $_ := set $s "adminToken" (randAlphaNum 40) }}
{{- end }}
{{- end }}
{{- if not $s.secretKey }}
{{- if hasKey $existing "FLOWLINE_SECRET_KEY" }}
{{- $_ := set $s "secretKey" (index $existing "FLOWLINE_SECRET_KEY" | b64dec) }}
{{- else }}
{{- $_ := set $s "secretKey" (randAlphaNum 64 | sha256sum) }}
{{- end }}
{{- end }}
{{- if $s.databaseUrl }}
DATABASE_URL: {{ $s.databaseUrl | quote }}
{{- end }}
FLOWLINE_ADMIN_TOKEN: {{ $s.adminToken | quote }}
FLOWLINE_SECRET_KEY: {{ $s.secretKey | quote }}
{{- if $s.smtpUrl }}
SMTP_URL: {{ $s.smtpUrl | quote }}
{{- end }}
{{- end }}

{{/* Environment sources of a Flowline container: (dict "configMap" NAME "secret" NAME). */}}
{{- define "flowline.envFrom" -}}
- configMapRef:
    name: {{ .configMap }}
- secretRef:
    name: {{ .secret }}
{{- end }}

{{/* Where the Kafka and PostgreSQL TLS Secrets are mounted. */}}
{{- define "flowline.kafkaTlsDir" -}}/etc/flowline/kafka-tls{{- end }}
{{- define "flowline.postgresTlsDir" -}}/etc/flowline/postgres-tls{{- end }}

{{/*
The Kafka connection's non-secret settings (ConfigMap data), after checking that the values fit
together: the same combinations the services validate at boot, refused at render time.
*/}}
{{- define "flowline.kafkaConfigData" -}}
{{- $tls := .Values.kafka.tls }}
{{- $sasl := .Values.kafka.sasl }}
{{- if and (or $tls.certKey $tls.keyKey) (not (and $tls.certKey $tls.keyKey)) }}
{{- fail "kafka.tls.certKey and kafka.tls.keyKey go together (mutual TLS): set both or neither" }}
{{- end }}
{{- if and (or $tls.certKey $tls.keyKey) (not $tls.secretName) }}
{{- fail "kafka.tls.certKey/keyKey need kafka.tls.secretName" }}
{{- end }}
{{- if and $tls.secretName (not $tls.enabled) }}
{{- fail "kafka.tls.secretName is set but kafka.tls.enabled is false" }}
{{- end }}
{{- if $sasl.mechanism }}
{{- if not (has $sasl.mechanism (list "plain" "scram-sha-256" "scram-sha-512" "oauthbearer")) }}
{{- fail (printf "kafka.sasl.mechanism %q: use plain, scram-sha-256, scram-sha-512 or oauthbearer" $sasl.mechanism) }}
{{- end }}
{{- if eq $sasl.mechanism "oauthbearer" }}
{{- if not (and $sasl.oauth.tokenUrl $sasl.oauth.clientId $sasl.oauth.clientSecretSecret.name) }}
{{- fail "kafka.sasl.mechanism oauthbearer needs kafka.sasl.oauth.tokenUrl, clientId and clientSecretSecret.name" }}
{{- end }}
{{- else if not (and $sasl.username $sasl.passwordSecret.name) }}
{{- fail (printf "kafka.sasl.mechanism %s needs kafka.sasl.username and kafka.sasl.passwordSecret.name" $sasl.mechanism) }}
{{- end }}
{{- end }}
KAFKA_SSL: {{ $tls.enabled | toString | quote }}
{{- if $tls.enabled }}
KAFKA_SSL_REJECT_UNAUTHORIZED: {{ $tls.rejectUnauthorized | toString | quote }}
{{- if and $tls.secretName $tls.caKey }}
KAFKA_SSL_CA_FILE: {{ printf "%s/%s" (include "flowline.kafkaTlsDir" .) $tls.caKey | quote }}
{{- end }}
{{- if $tls.certKey }}
KAFKA_SSL_CERT_FILE: {{ printf "%s/%s" (include "flowline.kafkaTlsDir" .) $tls.certKey | quote }}
KAFKA_SSL_KEY_FILE: {{ printf "%s/%s" (include "flowline.kafkaTlsDir" .) $tls.keyKey | quote }}
{{- end }}
{{- end }}
{{- if $sasl.mechanism }}
KAFKA_SASL_MECHANISM: {{ $sasl.mechanism | quote }}
{{- if eq $sasl.mechanism "oauthbearer" }}
KAFKA_SASL_OAUTH_TOKEN_URL: {{ $sasl.oauth.tokenUrl | quote }}
KAFKA_SASL_OAUTH_CLIENT_ID: {{ $sasl.oauth.clientId | quote }}
{{- with $sasl.oauth.scope }}
KAFKA_SASL_OAUTH_SCOPE: {{ . | quote }}
{{- end }}
{{- else }}
KAFKA_SASL_USERNAME: {{ $sasl.username | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/* Environment entries read from referenced Secrets (SASL password, OAuth client secret). */}}
{{- define "flowline.secretRefEnv" -}}
{{- $sasl := .Values.kafka.sasl }}
{{- if and $sasl.mechanism (ne $sasl.mechanism "oauthbearer") }}
- name: KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $sasl.passwordSecret.name }}
      key: {{ $sasl.passwordSecret.key }}
{{- else if eq $sasl.mechanism "oauthbearer" }}
- name: KAFKA_SASL_OAUTH_CLIENT_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ $sasl.oauth.clientSecretSecret.name }}
      key: {{ $sasl.oauth.clientSecretSecret.key }}
{{- end }}
{{- end }}

{{/* Volume mounts of the TLS Secrets (every Flowline container, the migration job's too). */}}
{{- define "flowline.tlsVolumeMounts" -}}
{{- if .Values.kafka.tls.secretName }}
- name: kafka-tls
  mountPath: {{ include "flowline.kafkaTlsDir" . }}
  readOnly: true
{{- end }}
{{- if .Values.postgresTls.secretName }}
- name: postgres-tls
  mountPath: {{ include "flowline.postgresTlsDir" . }}
  readOnly: true
{{- end }}
{{- end }}

{{- define "flowline.tlsVolumes" -}}
{{- if .Values.kafka.tls.secretName }}
- name: kafka-tls
  secret:
    secretName: {{ .Values.kafka.tls.secretName }}
    # Readable by the container's user only (the image runs as uid 1000, fsGroup 1000).
    defaultMode: 0440
{{- end }}
{{- if .Values.postgresTls.secretName }}
- name: postgres-tls
  secret:
    secretName: {{ .Values.postgresTls.secretName }}
    defaultMode: 0440
{{- end }}
{{- end }}
