// Kubernetes manifests for the tracking server and for a served model, as plain objects in the API's own
// shape (apps/v1, v1, autoscaling/v2, policy/v1), rendered to YAML by `flowline deploy kubernetes`.

/** A Kubernetes object as the API takes it. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** What the tracking server's manifests are made from. */
export interface ServerDeploymentOptions {
  name: string;
  namespace?: string;
  image: string;
  replicas: number;
  /** The Secret holding the configuration (created from `secret` when given, else expected to exist). */
  secretName: string;
  /** Values for the Secret: the backend store URI (Postgres), the artifact destination and S3 credentials. */
  secret?: Partial<Record<ServerSecretKey, string>>;
  /** Turn on MLflow's basic auth; its `basic_auth.ini` comes from the Secret's `basic_auth.ini` key. */
  auth: boolean;
  resources: { cpu: string; memory: string };
  /** Seconds a stopping pod has to finish in-flight requests (after `preStopSeconds` out of rotation). */
  drainSeconds: number;
  preStopSeconds: number;
}

/** The keys of the tracking server's Secret. */
export const SERVER_SECRET_KEYS = [
  'backend-store-uri',
  'artifacts-destination',
  'aws-access-key-id',
  'aws-secret-access-key',
  'mlflow-s3-endpoint-url',
  'basic_auth.ini',
] as const;
export type ServerSecretKey = (typeof SERVER_SECRET_KEYS)[number];

/** What a served model's manifests are made from. */
export interface ModelDeploymentOptions {
  name: string;
  namespace?: string;
  /** The image `flowline models build-docker` built (it serves on 8080 and reads FLOWLINE_SCORING_*). */
  image: string;
  replicas: number;
  resources: { cpu: string; memory: string; gpus: number };
  /** Horizontal autoscaling: on CPU utilisation (percent), or on the engine's queue depth per pod. */
  autoscale?: { min: number; max: number } & ({ cpuPercent: number } | { queueDepth: number });
  /** Extra `flowline models serve` settings as FLOWLINE_SCORING_* variables. */
  env: Record<string, string>;
  drainSeconds: number;
  preStopSeconds: number;
}

const labelsOf = (name: string, component: string) => ({
  'app.kubernetes.io/name': name,
  'app.kubernetes.io/component': component,
  'app.kubernetes.io/managed-by': 'flowline',
});

const meta = (name: string, namespace: string | undefined, labels: Record<string, string>) => ({
  name,
  ...(namespace ? { namespace } : {}),
  labels,
});

const fromSecret = (name: string, secret: string, key: string, optional: boolean) => ({
  name,
  valueFrom: { secretKeyRef: { name: secret, key, ...(optional ? { optional: true } : {}) } },
});

/** Runs as the image's unprivileged user, with nothing it does not need. */
const RESTRICTED = {
  runAsNonRoot: true,
  runAsUser: 1000,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/**
 * Stops a pod gracefully: `preStop` waits while the endpoints controller takes it out of the Service, then
 * SIGTERM makes the server stop accepting and finish what is in flight (within the grace period).
 */
const draining = (preStopSeconds: number) => ({
  preStop: { exec: { command: ['sleep', String(preStopSeconds)] } },
});

/**
 * The tracking server: a Deployment of N replicas (readiness on `/health`, which fails when the database does
 * not answer; liveness on `/version`; a preStop drain), its Service, a PodDisruptionBudget keeping one up, and
 * its Secret when values are given. Every replica serves the artifact proxy to the S3 destination.
 */
export function serverManifests(o: ServerDeploymentOptions): Manifest[] {
  const labels = labelsOf(o.name, 'tracking-server');
  const selector = { 'app.kubernetes.io/name': o.name, 'app.kubernetes.io/component': 'tracking-server' };
  const env = [
    fromSecret('MLFLOW_BACKEND_STORE_URI', o.secretName, 'backend-store-uri', false),
    fromSecret('MLFLOW_ARTIFACTS_DESTINATION', o.secretName, 'artifacts-destination', false),
    fromSecret('AWS_ACCESS_KEY_ID', o.secretName, 'aws-access-key-id', true),
    fromSecret('AWS_SECRET_ACCESS_KEY', o.secretName, 'aws-secret-access-key', true),
    fromSecret('MLFLOW_S3_ENDPOINT_URL', o.secretName, 'mlflow-s3-endpoint-url', true),
    ...(o.auth ? [{ name: 'MLFLOW_AUTH_CONFIG_PATH', value: '/etc/flowline/auth/basic_auth.ini' }] : []),
    // Behind a Service the Host header is the Service's name: accept any (the Service is the boundary).
    { name: 'MLFLOW_SERVER_ALLOWED_HOSTS', value: '*' },
  ];
  const container = {
    name: 'server',
    image: o.image,
    args: ['server', '--host', '0.0.0.0', '--port', '5000', ...(o.auth ? ['--app-name', 'basic-auth'] : [])],
    ports: [{ name: 'http', containerPort: 5000 }],
    env,
    readinessProbe: { httpGet: { path: '/health', port: 'http' }, periodSeconds: 5, failureThreshold: 3 },
    livenessProbe: { httpGet: { path: '/version', port: 'http' }, periodSeconds: 20, failureThreshold: 3 },
    startupProbe: { httpGet: { path: '/version', port: 'http' }, periodSeconds: 2, failureThreshold: 60 },
    lifecycle: draining(o.preStopSeconds),
    resources: {
      requests: { cpu: o.resources.cpu, memory: o.resources.memory },
      limits: { memory: o.resources.memory },
    },
    securityContext: { ...RESTRICTED, readOnlyRootFilesystem: true },
    volumeMounts: [
      { name: 'tmp', mountPath: '/tmp' },
      ...(o.auth ? [{ name: 'auth', mountPath: '/etc/flowline/auth', readOnly: true }] : []),
    ],
  };
  const manifests: Manifest[] = [];
  if (o.secret && Object.keys(o.secret).length > 0)
    manifests.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta(o.secretName, o.namespace, labels),
      type: 'Opaque',
      stringData: o.secret,
    });
  manifests.push(
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(o.name, o.namespace, labels),
      spec: {
        replicas: o.replicas,
        selector: { matchLabels: selector },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
          metadata: { labels },
          spec: {
            terminationGracePeriodSeconds: o.preStopSeconds + o.drainSeconds,
            containers: [container],
            volumes: [
              { name: 'tmp', emptyDir: {} },
              ...(o.auth
                ? [
                    {
                      name: 'auth',
                      secret: {
                        secretName: o.secretName,
                        items: [{ key: 'basic_auth.ini', path: 'basic_auth.ini' }],
                      },
                    },
                  ]
                : []),
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(o.name, o.namespace, labels),
      spec: { selector, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    },
  );
  if (o.replicas > 1)
    manifests.push({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: meta(o.name, o.namespace, labels),
      spec: { minAvailable: 1, selector: { matchLabels: selector } },
    });
  return manifests;
}

/**
 * A served model: a Deployment of the image `build-docker` made (readiness and liveness on `/ping`, a preStop
 * drain, CPU/memory and GPUs as `nvidia.com/gpu`), its Service, and a HorizontalPodAutoscaler on CPU or on
 * the engine's queue depth (`flowline_scoring_queue_depth`, a Pods metric through a metrics adapter).
 */
export function modelManifests(o: ModelDeploymentOptions): Manifest[] {
  const labels = labelsOf(o.name, 'model-server');
  const selector = { 'app.kubernetes.io/name': o.name, 'app.kubernetes.io/component': 'model-server' };
  const limits: Record<string, string | number> = { memory: o.resources.memory };
  if (o.resources.gpus > 0) limits['nvidia.com/gpu'] = o.resources.gpus;
  const container = {
    name: 'model',
    image: o.image,
    ports: [{ name: 'http', containerPort: 8080 }],
    env: Object.entries(o.env).map(([name, value]) => ({ name, value })),
    readinessProbe: { httpGet: { path: '/ping', port: 'http' }, periodSeconds: 5, failureThreshold: 3 },
    livenessProbe: { httpGet: { path: '/ping', port: 'http' }, periodSeconds: 20, failureThreshold: 3 },
    // Loading a large model takes a while: up to ten minutes before liveness counts.
    startupProbe: { httpGet: { path: '/ping', port: 'http' }, periodSeconds: 5, failureThreshold: 120 },
    lifecycle: draining(o.preStopSeconds),
    resources: { requests: { cpu: o.resources.cpu, memory: o.resources.memory }, limits },
    securityContext: RESTRICTED,
  };
  const manifests: Manifest[] = [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(o.name, o.namespace, labels),
      spec: {
        ...(o.autoscale ? {} : { replicas: o.replicas }),
        selector: { matchLabels: selector },
        template: {
          metadata: {
            labels,
            annotations: {
              'prometheus.io/scrape': 'true',
              'prometheus.io/port': '8080',
              'prometheus.io/path': '/metrics',
            },
          },
          spec: {
            terminationGracePeriodSeconds: o.preStopSeconds + o.drainSeconds,
            containers: [container],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(o.name, o.namespace, labels),
      spec: { selector, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    },
  ];
  if (o.autoscale) {
    const metric =
      'cpuPercent' in o.autoscale
        ? {
            type: 'Resource',
            resource: {
              name: 'cpu',
              target: { type: 'Utilization', averageUtilization: o.autoscale.cpuPercent },
            },
          }
        : {
            type: 'Pods',
            pods: {
              metric: { name: 'flowline_scoring_queue_depth' },
              target: { type: 'AverageValue', averageValue: String(o.autoscale.queueDepth) },
            },
          };
    manifests.push({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: meta(o.name, o.namespace, labels),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: o.name },
        minReplicas: o.autoscale.min,
        maxReplicas: o.autoscale.max,
        metrics: [metric],
      },
    });
  }
  return manifests;
}

/** Manifests as one YAML stream (`---` between documents), as `kubectl apply -f -` reads it. */
export async function toYamlStream(manifests: Manifest[]): Promise<string> {
  const { stringify } = await import('yaml');
  return manifests.map((m) => stringify(m, { lineWidth: 0 })).join('---\n');
}
