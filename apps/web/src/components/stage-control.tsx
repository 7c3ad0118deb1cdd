import { useState } from 'react';

/** MLflow's model stages. */
export const STAGES: readonly string[] = ['None', 'Staging', 'Production', 'Archived'];

/**
 * A version's stage: choosing another moves it there at once; with "Archive other versions" ticked, the
 * model's versions already in Staging or Production go to Archived (MLflow's `archive_existing_versions`,
 * which applies to those two stages only).
 */
export function StageControl({
  stage,
  disabled,
  onMove,
}: {
  stage: string;
  disabled: boolean;
  onMove: (stage: string, archiveExisting: boolean) => Promise<void>;
}) {
  const [archive, setArchive] = useState(false);
  return (
    <span className="stage-control">
      <select
        aria-label="Stage"
        disabled={disabled}
        value={stage}
        onChange={(e) => {
          const to = e.target.value;
          onMove(to, archive && (to === 'Staging' || to === 'Production')).catch(() => {});
        }}
      >
        {STAGES.map((s) => (
          <option key={s}>{s}</option>
        ))}
      </select>
      {disabled ? null : (
        <label>
          <input type="checkbox" checked={archive} onChange={(e) => setArchive(e.target.checked)} /> Archive
          other versions in the new stage
        </label>
      )}
    </span>
  );
}
