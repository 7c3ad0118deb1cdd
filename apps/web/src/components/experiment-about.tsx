import { getExperiment, setExperimentTag, tagOf } from '../api/endpoints.js';
import { useAccess } from '../lib/use-access.js';
import { useAsync } from '../lib/use-async.js';
import { EditableText } from './editable-text.js';
import { TagEditor } from './tag-editor.js';
import './writes.css';

/** Where MLflow keeps an experiment's description: an experiment tag. */
const NOTE = 'mlflow.note.content';

/**
 * One experiment's description (Markdown, the `mlflow.note.content` tag) and tags, editable with EDIT on it.
 * Folded under a summary, open when there is a description; MLflow's own `mlflow.*` tags stay hidden.
 */
export function ExperimentAbout({ experimentId }: { experimentId: string }) {
  const experiment = useAsync((signal) => getExperiment(experimentId, signal), [experimentId]);
  const access = useAccess([experimentId]);
  const canEdit = access.experiment(experimentId).update;
  // An unknown or unreadable experiment: the view itself says so.
  const e = experiment.data?.experiment_id === experimentId ? experiment.data : undefined;
  if (!e) return null;
  const description = tagOf(e.tags, NOTE) ?? '';
  const tags = (e.tags ?? []).filter((t) => !t.key.startsWith('mlflow.'));
  const save = async (key: string, value: string | null) => {
    await setExperimentTag(experimentId, key, value);
    experiment.reload();
  };
  return (
    <details className="experiment-about" open={description !== '' || undefined}>
      <summary>
        Description and tags ({tags.length} tag{tags.length === 1 ? '' : 's'})
      </summary>
      <EditableText
        label="Experiment description"
        value={description}
        rows={4}
        empty="No description."
        inlineErrors
        readOnly={!canEdit}
        onSave={(draft) => save(NOTE, draft)}
      />
      <h3>Experiment tags</h3>
      <TagEditor
        tags={tags}
        readOnly={!canEdit}
        onSet={(key, value) => save(key, value)}
        onDelete={(key) => save(key, null)}
      />
    </details>
  );
}
