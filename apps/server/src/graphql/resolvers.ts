import { normalizeArtifactPath } from '@flowline/artifact-store';
import type {
  DatasetSummary,
  Experiment,
  FileInfo,
  Metric,
  ModelVersion,
  Run,
  ViewType,
} from '@flowline/core';
import { repositoryFor } from '../artifact-access.js';
import { intOf, required, runIdOf } from '../inputs.js';
import { registryOf, type SharedHandles } from '../plugins/handles.js';

// GraphQL answers as MLflow's, which graphene resolves from proto messages: an unset string reads as "",
// an unset number as 0 (so LongString "0"), an unset list as [] and an unset message as an empty one.
// The mappers below fill those defaults, so a field is null only where MLflow's would be.

/** What the resolvers reach: the shared handles (stores, artifact access) of the server answering. */
export type GraphqlContext = SharedHandles;

type Args<T> = { input?: T | null };
type Resolver<T> = (args: Args<T>, context: GraphqlContext) => Promise<unknown>;
// graphql-js hands over `null` for arguments sent as null; the stores take `undefined`.
type Input<T> = { [K in keyof T]?: T[K] | null };
const opt = <T>(value: T | null | undefined): T | undefined => value ?? undefined;
// A GraphQL `[String]` may hold nulls; the stores take plain lists of strings.
const strings = (list: Array<string | null> | null | undefined): string[] =>
  (list ?? []).filter((s): s is string => typeof s === 'string');

/** A metric value as GraphQL's Float can carry it: NaN is null (as MLflow's extension), ±∞ the float's bounds. */
function float(value: number): number | null {
  if (Number.isNaN(value)) return null;
  // MLflow's SQL store keeps infinities as ±max double, so this is what MLflow answers for them.
  return Number.isFinite(value) ? value : value > 0 ? Number.MAX_VALUE : -Number.MAX_VALUE;
}

const experiment = (e: Experiment) => ({
  experimentId: e.experimentId,
  name: e.name,
  artifactLocation: e.artifactLocation ?? '',
  lifecycleStage: e.lifecycleStage,
  lastUpdateTime: e.lastUpdateTime ?? 0,
  creationTime: e.creationTime ?? 0,
  tags: e.tags,
});

const metric = (m: Metric, runId: string) => ({
  key: m.key,
  value: float(m.value),
  timestamp: m.timestamp,
  step: m.step,
  datasetName: '',
  datasetDigest: '',
  modelId: '',
  runId,
});

const modelVersion = (v: ModelVersion) => ({
  ...v,
  creationTimestamp: v.creationTimestamp ?? 0,
  lastUpdatedTimestamp: v.lastUpdatedTimestamp ?? 0,
});

/** MLflow's `MlflowRunExtension`: the run, plus its experiment and model versions fetched when asked for. */
function runExtension(run: Run, context: GraphqlContext) {
  const { info } = run;
  return {
    info: {
      ...info,
      runUuid: info.runId,
      startTime: info.startTime ?? 0,
      endTime: info.endTime ?? 0,
    },
    data: {
      metrics: run.data.metrics.map((m) => metric(m, info.runId)),
      params: run.data.params,
      tags: run.data.tags,
    },
    inputs: {
      datasetInputs: run.inputs.datasetInputs.map((d) => ({
        tags: d.tags,
        dataset: { ...d.dataset, schema: d.dataset.schema ?? '', profile: d.dataset.profile ?? '' },
      })),
    },
    outputs: { modelOutputs: [] },
    experiment: async () => experiment(await context.store.getExperiment(info.experimentId)),
    // Without a registry a run simply has no versions; the run page asks for them on every view.
    modelVersions: async () => {
      if (!context.registry) return [];
      const page = await context.registry.searchModelVersions({ filter: `run_id='${info.runId}'` });
      return page.items.map(modelVersion);
    },
  };
}

const fileInfo = (f: FileInfo) => ({ path: f.path, isDir: f.isDir, fileSize: f.fileSize ?? 0 });
const datasetSummary = (s: DatasetSummary) => ({ ...s, context: s.context ?? '' });

interface SearchRunsInput {
  experimentIds: Array<string | null>;
  filter: string;
  runViewType: ViewType;
  maxResults: number;
  orderBy: Array<string | null>;
  pageToken: string;
}

const searchRuns: Resolver<Input<SearchRunsInput>> = async ({ input }, context) => {
  const page = await context.store.searchRuns({
    experimentIds: strings(input?.experimentIds),
    filter: opt(input?.filter),
    runViewType: opt(input?.runViewType),
    maxResults: opt(input?.maxResults),
    orderBy: input?.orderBy ? strings(input.orderBy) : undefined,
    pageToken: input?.pageToken || undefined,
  });
  return { runs: page.items.map((r) => runExtension(r, context)), nextPageToken: page.nextPageToken ?? '' };
};

/**
 * The root value: one resolver per root field of MLflow's Query and Mutation types, each calling the stores
 * as the REST endpoint of the same name does (same checks, same messages).
 */
export const rootValue: Record<string, Resolver<never>> = {
  test: async (args: { inputString?: string | null }) => ({ output: args.inputString ?? null }),
  testMutation: async (args: { inputString?: string | null }) => ({ output: args.inputString ?? null }),

  mlflowGetExperiment: (async ({ input }, context) => ({
    experiment: experiment(
      await context.store.getExperiment(required(opt(input?.experimentId), 'experiment_id')),
    ),
  })) satisfies Resolver<Input<{ experimentId: string }>>,

  mlflowGetRun: (async ({ input }, context) => ({
    run: runExtension(
      await context.store.getRun(runIdOf({ run_id: opt(input?.runId), run_uuid: opt(input?.runUuid) })),
      context,
    ),
  })) satisfies Resolver<Input<{ runId: string; runUuid: string }>>,

  mlflowSearchRuns: searchRuns,

  mlflowGetMetricHistoryBulkInterval: (async ({ input }, context) => {
    const metrics = await context.store.getMetricHistoryBulkInterval({
      runIds: strings(input?.runIds),
      metricKey: required(opt(input?.metricKey), 'metric_key'),
      startStep: opt(input?.startStep),
      endStep: opt(input?.endStep),
      maxResults: opt(input?.maxResults),
    });
    return { metrics: metrics.map((m) => metric(m, m.runId)) };
  }) satisfies Resolver<
    Input<{
      runIds: Array<string | null>;
      metricKey: string;
      startStep: number;
      endStep: number;
      maxResults: number;
    }>
  >,

  mlflowListArtifacts: (async ({ input }, context) => {
    const run = await context.store.getRun(
      runIdOf({ run_id: opt(input?.runId), run_uuid: opt(input?.runUuid) }),
    );
    const files = await repositoryFor(context.artifacts, run.info.artifactUri).listArtifacts(
      normalizeArtifactPath(input?.path),
    );
    return { rootUri: run.info.artifactUri, files: files.map(fileInfo), nextPageToken: '' };
  }) satisfies Resolver<Input<{ runId: string; runUuid: string; path: string }>>,

  mlflowSearchModelVersions: (async ({ input }, context) => {
    const page = await registryOf(context).searchModelVersions({
      filter: opt(input?.filter),
      maxResults: intOf(opt(input?.maxResults), 'max_results'),
      orderBy: input?.orderBy ? strings(input.orderBy) : undefined,
      pageToken: input?.pageToken || undefined,
    });
    return { modelVersions: page.items.map(modelVersion), nextPageToken: page.nextPageToken ?? '' };
  }) satisfies Resolver<
    Input<{ filter: string; maxResults: number; orderBy: Array<string | null>; pageToken: string }>
  >,

  mlflowSearchDatasets: (async ({ input }, context) => {
    const summaries = await context.store.searchDatasets(strings(input?.experimentIds));
    return { datasetSummaries: summaries.map(datasetSummary) };
  }) satisfies Resolver<Input<{ experimentIds: Array<string | null> }>>,
} as Record<string, Resolver<never>>;
