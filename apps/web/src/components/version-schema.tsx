import { readVersionFile } from '../api/registry.js';
import {
  type InputExample,
  type ModelSchema,
  readInputExample,
  readModelSchema,
} from '../lib/model-schema.js';
import { useAsync } from '../lib/use-async.js';
import { InputExampleView, SignatureTables } from './signature-table.js';
import { ErrorBox, Loading } from './states.js';

/** What the version's files say of its schema; `mlmodel` undefined when the version has no `MLmodel`. */
interface Loaded {
  schema?: ModelSchema;
  example?: InputExample;
}

async function load(name: string, version: string, signal: AbortSignal): Promise<Loaded> {
  const mlmodel = await readVersionFile(name, version, 'MLmodel', signal);
  if (mlmodel === undefined) return {};
  const schema = readModelSchema(mlmodel);
  const path = schema.inputExamplePath;
  const text = path ? await readVersionFile(name, version, path, signal) : undefined;
  return { schema, example: text === undefined ? undefined : readInputExample(text) };
}

/**
 * A version's schema as MLflow's version page shows it: the signature's inputs, outputs and params from
 * the version's `MLmodel` (read through `model-versions/get-artifact`), and the saved input example.
 */
export function VersionSchema({ name, version }: { name: string; version: string }) {
  const state = useAsync((signal) => load(name, version, signal), [name, version]);
  return (
    <section className="version-schema" aria-label="Schema">
      <h3>Schema</h3>
      {state.error ? <ErrorBox error={state.error} /> : null}
      {state.loading && !state.data ? <Loading what="Loading the model's schema" /> : null}
      {state.data && !state.data.schema ? (
        <p className="muted">This version's files have no MLmodel, so no schema is known.</p>
      ) : null}
      {state.data?.schema ? <SignatureTables summary={state.data.schema.summary} /> : null}
      {state.data?.example ? (
        <>
          <h3>Input example</h3>
          <InputExampleView example={state.data.example} />
        </>
      ) : null}
    </section>
  );
}
