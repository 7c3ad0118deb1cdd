import { getLoggedModel, type LoggedModelJson } from '../api/logged-models.js';
import type { Run } from '../api/types.js';
import { useAsync } from '../lib/use-async.js';
import { Link } from './link.js';
import { Empty, ErrorBox, Loading } from './states.js';

type Entry = { modelId: string; role: 'output' | 'input'; step?: number };

/** The MLflow 3 logged models a run produced (`outputs.model_outputs`) and used (`inputs.model_inputs`). */
function entriesOf(run: Run): Entry[] {
  const outputs = (run.outputs?.model_outputs ?? []).map(
    (o): Entry => ({ modelId: o.model_id, role: 'output', step: o.step }),
  );
  const inputs = (run.inputs.model_inputs ?? []).map((i): Entry => ({ modelId: i.model_id, role: 'input' }));
  return [...outputs, ...inputs];
}

/** A table of the run's logged models with their name, status and role, each linked to its page. */
export function RunLoggedModels({ run }: { run: Run }) {
  const entries = entriesOf(run);
  const ids = [...new Set(entries.map((e) => e.modelId))];
  const models = useAsync(
    async (signal) => {
      const found = await Promise.all(
        ids.map((id) => getLoggedModel(id, signal).catch((error: unknown) => ({ id, error }))),
      );
      const byId = new Map<string, LoggedModelJson | undefined>();
      for (const [i, m] of found.entries()) byId.set(ids[i]!, 'info' in m ? m : undefined);
      return byId;
    },
    [ids.join(',')],
  );
  if (entries.length === 0)
    return <Empty>This run has no MLflow 3 logged models as inputs or outputs.</Empty>;
  if (models.error) return <ErrorBox error={models.error} />;
  if (!models.data) return <Loading what="Loading logged models" />;
  return (
    <table className="kv run-logged-models">
      <thead>
        <tr>
          <th>Model</th>
          <th>Role</th>
          <th>Status</th>
          <th>Type</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((e) => {
          const model = models.data!.get(e.modelId);
          return (
            <tr key={`${e.role}-${e.modelId}-${e.step ?? ''}`} data-model-id={e.modelId}>
              <td>
                {model ? (
                  <Link
                    href={`/experiments/${model.info.experiment_id}/models/${encodeURIComponent(e.modelId)}`}
                  >
                    {model.info.name || e.modelId}
                  </Link>
                ) : (
                  <span title="This model could not be read: deleted, or not visible to you">
                    {e.modelId}
                  </span>
                )}
              </td>
              <td>{e.role === 'output' ? `logged (step ${e.step ?? 0})` : 'used as input'}</td>
              <td>{model?.info.status?.replace(/^LOGGED_MODEL_/, '') ?? '—'}</td>
              <td>{model?.info.model_type || '—'}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
