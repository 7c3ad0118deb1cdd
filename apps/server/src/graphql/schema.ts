import { buildSchema, type GraphQLScalarType, type GraphQLSchema, Kind } from 'graphql';

// MLflow's GraphQL schema, with MLflow's type and field names (generated there from its protos, then
// extended in `graphql_schema_extensions.py`): the queries its web UI sends. Every response type carries
// `apiError`, which MLflow's open-source server never fills; errors go to the top-level `errors` list.
const SDL = /* GraphQL */ `
  directive @component(name: String!) on QUERY | MUTATION

  "Long converted to string to prevent truncation to max integer in JavaScript"
  scalar LongString

  enum MlflowRunStatus { RUNNING SCHEDULED FINISHED FAILED KILLED }
  enum MlflowModelVersionStatus { PENDING_REGISTRATION FAILED_REGISTRATION READY }
  enum MlflowViewType { ACTIVE_ONLY DELETED_ONLY ALL }

  type ErrorDetail { field: String message: String }
  type ApiError { code: String message: String helpUrl: String traceId: String errorDetails: [ErrorDetail] }

  type MlflowExperimentTag { key: String value: String }
  type MlflowExperiment {
    experimentId: String
    name: String
    artifactLocation: String
    lifecycleStage: String
    lastUpdateTime: LongString
    creationTime: LongString
    tags: [MlflowExperimentTag!]
  }
  type MlflowGetExperimentResponse { experiment: MlflowExperiment apiError: ApiError }

  type MlflowRunInfo {
    runId: String
    runUuid: String
    runName: String
    experimentId: String
    userId: String
    status: MlflowRunStatus
    startTime: LongString
    endTime: LongString
    artifactUri: String
    lifecycleStage: String
  }
  type MlflowMetric {
    key: String
    value: Float
    timestamp: LongString
    step: LongString
    datasetName: String
    datasetDigest: String
    modelId: String
    runId: String
  }
  type MlflowParam { key: String value: String }
  type MlflowRunTag { key: String value: String }
  type MlflowRunData { metrics: [MlflowMetric!] params: [MlflowParam!] tags: [MlflowRunTag!] }
  type MlflowDataset {
    name: String
    digest: String
    sourceType: String
    source: String
    schema: String
    profile: String
  }
  type MlflowInputTag { key: String value: String }
  type MlflowDatasetInput { tags: [MlflowInputTag!] dataset: MlflowDataset }
  type MlflowRunInputs { datasetInputs: [MlflowDatasetInput!] }
  type MlflowModelOutput { modelId: String step: LongString }
  type MlflowRunOutputs { modelOutputs: [MlflowModelOutput!] }
  type MlflowRunExtension {
    info: MlflowRunInfo
    data: MlflowRunData
    inputs: MlflowRunInputs
    outputs: MlflowRunOutputs
    experiment: MlflowExperiment
    modelVersions: [MlflowModelVersion!]
  }
  type MlflowGetRunResponse { run: MlflowRunExtension apiError: ApiError }
  type MlflowSearchRunsResponse { runs: [MlflowRunExtension!] nextPageToken: String apiError: ApiError }

  type MlflowModelVersionTag { key: String value: String }
  type MlflowModelVersion {
    name: String
    version: String
    creationTimestamp: LongString
    lastUpdatedTimestamp: LongString
    userId: String
    currentStage: String
    description: String
    source: String
    runId: String
    status: MlflowModelVersionStatus
    statusMessage: String
    tags: [MlflowModelVersionTag!]
    runLink: String
    aliases: [String]
  }
  type MlflowSearchModelVersionsResponse {
    modelVersions: [MlflowModelVersion!]
    nextPageToken: String
    apiError: ApiError
  }

  type MlflowMetricWithRunId { key: String value: Float timestamp: LongString step: LongString runId: String }
  type MlflowGetMetricHistoryBulkIntervalResponse { metrics: [MlflowMetricWithRunId!] apiError: ApiError }

  type MlflowFileInfo { path: String isDir: Boolean fileSize: LongString }
  type MlflowListArtifactsResponse {
    rootUri: String
    files: [MlflowFileInfo!]
    nextPageToken: String
    apiError: ApiError
  }

  type MlflowDatasetSummary { experimentId: String name: String digest: String context: String }
  type MlflowSearchDatasetsResponse { datasetSummaries: [MlflowDatasetSummary!] apiError: ApiError }

  input MlflowGetExperimentInput { experimentId: String }
  input MlflowGetRunInput { runId: String runUuid: String }
  input MlflowSearchModelVersionsInput {
    filter: String
    maxResults: LongString
    orderBy: [String]
    pageToken: String
  }
  input MlflowGetMetricHistoryBulkIntervalInput {
    runIds: [String]
    metricKey: String
    startStep: Int
    endStep: Int
    maxResults: Int
  }
  input MlflowListArtifactsInput { runId: String runUuid: String path: String pageToken: String }
  input MlflowSearchRunsInput {
    experimentIds: [String]
    filter: String
    runViewType: MlflowViewType
    maxResults: Int
    orderBy: [String]
    pageToken: String
  }
  input MlflowSearchDatasetsInput { experimentIds: [String] }

  type Test { "Echoes the input string" output: String }
  type TestMutation { "Echoes the input string" output: String }

  type Query {
    mlflowGetExperiment(input: MlflowGetExperimentInput): MlflowGetExperimentResponse
    mlflowGetMetricHistoryBulkInterval(
      input: MlflowGetMetricHistoryBulkIntervalInput
    ): MlflowGetMetricHistoryBulkIntervalResponse
    mlflowGetRun(input: MlflowGetRunInput): MlflowGetRunResponse
    mlflowListArtifacts(input: MlflowListArtifactsInput): MlflowListArtifactsResponse
    mlflowSearchModelVersions(input: MlflowSearchModelVersionsInput): MlflowSearchModelVersionsResponse
    mlflowSearchRuns(input: MlflowSearchRunsInput): MlflowSearchRunsResponse
    "Simple echoing field"
    test(inputString: String): Test
  }

  type Mutation {
    mlflowSearchDatasets(input: MlflowSearchDatasetsInput): MlflowSearchDatasetsResponse
    mlflowSearchRuns(input: MlflowSearchRunsInput): MlflowSearchRunsResponse
    "Simple echoing field"
    testMutation(inputString: String): TestMutation
  }
`;

/** A 64-bit integer as a decimal string out, an integer literal (or integer-like value) in, as MLflow's. */
const longString = {
  serialize: (value: unknown) => String(value),
  parseValue: (value: unknown) => {
    const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n))
      throw new TypeError(`LongString cannot represent a non-integer value: ${String(value)}`);
    return n;
  },
  parseLiteral: (node: { kind: string; value?: string }) =>
    node.kind === Kind.INT && node.value !== undefined ? Number(node.value) : null,
};

/** Builds MLflow's GraphQL schema (no resolvers: the root value and plain objects answer every field). */
export function buildMlflowSchema(): GraphQLSchema {
  const schema = buildSchema(SDL);
  // SDL cannot carry a scalar's coercion; graphql-js keeps these as plain fields meant to be set.
  Object.assign(schema.getType('LongString') as GraphQLScalarType, longString);
  return schema;
}
