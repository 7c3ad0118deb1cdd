export type { RepositoryFactory } from './artifact-conformance.js';
export {
  artifactRepositoryConformance,
  failingSource,
  HOSTILE_PATHS,
  pausedSource,
} from './artifact-conformance.js';
export type {
  ChatModel,
  ChatModelConformanceOptions,
  ChatModelTarget,
} from './conformance/chat-model.js';
export { runChatModelConformance } from './conformance/chat-model.js';
export type { StoreFactory } from './conformance/harness.js';
export { expectMlflowError, uniqueName } from './conformance/harness.js';
export { trackingStoreConformance } from './conformance/index.js';
export type {
  ProjectBackendConformanceOptions,
  ProjectBackendTarget,
  SubmittedProjectRun,
} from './conformance/project-backend.js';
export { runProjectBackendConformance } from './conformance/project-backend.js';
export type { RegistryConformanceOptions } from './conformance/registry/index.js';
export { runRegistryConformance } from './conformance/registry/index.js';
export type { SkipList } from './conformance/skip.js';
export type { MlflowSchemaVariant } from './mlflow-database.js';
export {
  countRows,
  createMlflowSchema,
  SEEDED,
  SEEDED_2X_ALEMBIC_REVISION,
  SEEDED_ALEMBIC_REVISION,
  SHARED_TABLES,
  seedMlflowRows,
} from './mlflow-database.js';
export type { MlflowFileStoreFixture } from './mlflow-file-store.js';
export { writeMlflowFileStore } from './mlflow-file-store.js';
export type { DecoderShape, TinyDecoder, TinyDecoderOptions } from './onnx/decoder.js';
export { createTinyDecoder } from './onnx/decoder.js';
export { createPhi3Decoder, PHI3_MODEL_FILE } from './onnx/decoder-phi3.js';
export type { TinyEncoder } from './onnx/encoder.js';
export { createTinyEncoder, writeModelFiles } from './onnx/encoder.js';
export type { Int4Weight } from './onnx/int4.js';
export { quantizeInt4 } from './onnx/int4.js';
export type { MlpModel } from './onnx/mlp.js';
export { createMlpModel, seeded } from './onnx/mlp.js';
export {
  countConnections,
  createTestDatabase,
  prepareTemplateDatabase,
  TEMPLATE_DATABASE,
  testPostgresUrl,
  withDatabase,
} from './postgres.js';
export type { LocalS3 } from './s3.js';
export { startLocalS3 } from './s3.js';
export type { DescribeOptions, SchemaDescription, TableDescription } from './schema-description.js';
export { describeSchema } from './schema-description.js';
export type { StoreTarget } from './targets.js';
export { storeTargets } from './targets.js';
