{{/* Names and labels shared by every object of the release. */}}
{{- define "refinery.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "refinery.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component: include "refinery.selector" (list $ "web") */}}
{{- define "refinery.selector" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ $root.Chart.Name }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/* image reference: include "refinery.image" (list $ .Values.images.web) */}}
{{- define "refinery.image" -}}
{{- $root := index . 0 -}}
{{- $image := index . 1 -}}
{{- printf "%s:%s" $image.repository (default $root.Chart.AppVersion $image.tag) -}}
{{- end -}}

{{- define "refinery.secretName" -}}
{{- default (printf "%s-secrets" (include "refinery.fullname" .)) .Values.secrets.existingSecret -}}
{{- end -}}

{{- define "refinery.configName" -}}
{{- printf "%s-config" (include "refinery.fullname" .) -}}
{{- end -}}

{{/*
Secret-held settings, one env entry each, always by secretKeyRef (never inlined into the
ConfigMap or the pod spec); each process gets only the keys it reads (least privilege).
include "refinery.secretEnv" (list $ "web"): required keys first, then optional ones.
*/}}
{{- define "refinery.secretKeys" -}}
{{- $keys := dict
  "web" (dict "required" (list "DATABASE_URL" "REFINERY_PAYLOAD_KEYS" "REFINERY_PAYLOAD_KEY_ID" "REFINERY_AUTH_SECRET" "REFINERY_AUDIT_SIGNING_KEY") "optional" (list "REFINERY_OIDC_CLIENT_SECRET" "REFINERY_METRICS_TOKEN" "AWS_ACCESS_KEY_ID" "AWS_SECRET_ACCESS_KEY"))
  "pipeline-worker" (dict "required" (list "DATABASE_URL" "REFINERY_PAYLOAD_KEYS" "REFINERY_PAYLOAD_KEY_ID" "REFINERY_AUDIT_SIGNING_KEY") "optional" (list "REFINERY_OPENLINEAGE_API_KEY" "REFINERY_METRICS_TOKEN" "AWS_ACCESS_KEY_ID" "AWS_SECRET_ACCESS_KEY"))
  "gpu-worker" (dict "required" (list "DATABASE_URL" "REFINERY_PAYLOAD_KEYS" "REFINERY_PAYLOAD_KEY_ID") "optional" (list "REFINERY_METRICS_TOKEN" "AWS_ACCESS_KEY_ID" "AWS_SECRET_ACCESS_KEY")) -}}
{{- toJson (index $keys .) -}}
{{- end -}}

{{- define "refinery.secretEnv" -}}
{{- $root := index . 0 -}}
{{- $secret := include "refinery.secretName" $root -}}
{{- $keys := include "refinery.secretKeys" (index . 1) | fromJson -}}
{{- range $key := $keys.required }}
- name: {{ $key }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $key }}
{{- end }}
{{- range $key := $keys.optional }}
- name: {{ $key }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ $key }}
      optional: true
{{- end }}
{{- end -}}

{{/* Temporal TLS: env pointing at the mounted PEM files (packages/temporal/src/tls.ts). */}}
{{- define "refinery.temporalTlsEnv" -}}
{{- with .Values.temporal.tls }}
{{- if .enabled }}
- name: TEMPORAL_TLS
  value: "true"
{{- if .clientCertSecret }}
- name: TEMPORAL_TLS_CERT
  value: /etc/refinery/temporal-tls/client/tls.crt
- name: TEMPORAL_TLS_KEY
  value: /etc/refinery/temporal-tls/client/tls.key
{{- end }}
{{- if .caSecret }}
- name: TEMPORAL_TLS_CA
  value: /etc/refinery/temporal-tls/ca/ca.crt
{{- end }}
{{- if .serverName }}
- name: TEMPORAL_TLS_SERVER_NAME
  value: {{ .serverName | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "refinery.temporalTlsMounts" -}}
{{- with .Values.temporal.tls }}
{{- if and .enabled .clientCertSecret }}
- name: temporal-tls-client
  mountPath: /etc/refinery/temporal-tls/client
  readOnly: true
{{- end }}
{{- if and .enabled .caSecret }}
- name: temporal-tls-ca
  mountPath: /etc/refinery/temporal-tls/ca
  readOnly: true
{{- end }}
{{- end }}
{{- end -}}

{{- define "refinery.temporalTlsVolumes" -}}
{{- with .Values.temporal.tls }}
{{- if and .enabled .clientCertSecret }}
- name: temporal-tls-client
  secret:
    secretName: {{ .clientCertSecret }}
    defaultMode: 0440   # the key: readable by the pod's group (fsGroup) only
    items:
      - { key: tls.crt, path: tls.crt }
      - { key: tls.key, path: tls.key }
{{- end }}
{{- if and .enabled .caSecret }}
- name: temporal-tls-ca
  secret:
    secretName: {{ .caSecret }}
    items:
      - { key: ca.crt, path: ca.crt }
{{- end }}
{{- end }}
{{- end -}}

{{/* A process's env besides the ConfigMap: its Secret keys, Temporal TLS. (list $ "<component>") */}}
{{- define "refinery.commonEnv" -}}
{{- include "refinery.secretEnv" . }}
{{- include "refinery.temporalTlsEnv" (index . 0) }}
{{- end -}}

{{- define "refinery.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
fsGroup: 1000
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "refinery.containerSecurityContext" -}}
allowPrivilegeEscalation: false
capabilities:
  drop: ["ALL"]
{{- end -}}

{{/* Pod-level settings shared by every Deployment and the migrations Job. */}}
{{- define "refinery.podCommon" -}}
{{- with .Values.serviceAccountName }}
serviceAccountName: {{ . }}
{{- end }}
automountServiceAccountToken: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- include "refinery.podSecurityContext" . | nindent 2 }}
{{- end -}}
