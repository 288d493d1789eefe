import { useAppState, useServices } from '../app/appContext';
import { useStudio } from '../app/runContext';
import { OUTPUT_SIZES, estimateMark, outputSizeChoice } from '../state/promptEstimate';
import { isBusy, isRestorerOnly } from '../state/run';
import './PromptEstimate.css';

/**
 * Under the restoration prompt: where the text came from (read from the photo, with how sure the
 * estimator is of each operation; edited, with a way back to the estimate; `auto`; or why there is
 * no estimate), as promptEstimate.ts words it.
 */
export function EstimateLine() {
  const { store } = useServices();
  const prompt = useStudio((s) => s.prompt);
  const estimate = useStudio((s) => s.estimate);
  const settings = useStudio((s) => s.settings);
  const runBusy = useStudio((s) => isBusy(s.job));
  const imageId = useAppState((s) => s.image?.id ?? null);
  const pack = useAppState((s) => s.engine?.pack ?? null);
  const m = estimateMark({ prompt, estimate, imageId, pack, runBusy, restorerOnly: isRestorerOnly(settings, pack?.hasRestorer) });
  if (m.kind === 'none') return null;

  return (
    <div className={`estimate-line ${m.kind}`} data-testid="estimate-mark" data-state={m.kind} role="status">
      <p className="estimate-head">
        {m.kind === 'reading' ? <span className="spinner small" aria-hidden="true" /> : null}
        {m.badge ? (
          <span className="estimate-badge" data-testid="estimate-badge">
            {m.badge}
          </span>
        ) : null}
        {m.kind === 'edited' ? (
          <button type="button" className="small-button" data-testid="estimate-use" title={m.estimateText ?? ''} onClick={() => store.dispatch({ type: 'estimate/use' })}>
            Use estimate
          </button>
        ) : null}
        {m.detail ? (
          <span className="estimate-detail" data-testid="estimate-detail">
            {m.detail}
          </span>
        ) : null}
      </p>
      {m.chips.length > 0 ? (
        <ul className="estimate-chips" aria-label="What the estimator read, and how sure it is">
          {m.chips.map((c) => (
            <li key={c.key} className={`estimate-chip${c.present ? ' present' : ''}`} data-testid={`estimate-op-${c.key}`}>
              {c.text}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** 1x / 2x / 4x: the output size clause of whatever the prompt says; never estimated. */
export function OutputSizeControl() {
  const { store } = useServices();
  const text = useStudio((s) => s.prompt.restorationText);
  const choice = outputSizeChoice(text);

  return (
    <div className="output-size" title={choice.disabled ?? 'The output size: your choice, never estimated'}>
      <span className="output-size-label" id="output-size-label">
        Output size
      </span>
      <div className="segmented" role="group" aria-labelledby="output-size-label" data-testid="output-size">
        {OUTPUT_SIZES.map((f) => (
          <button
            type="button"
            key={f}
            data-testid={`output-size-${f}`}
            aria-pressed={choice.selected === f}
            disabled={choice.disabled !== null}
            onClick={() => store.dispatch({ type: 'estimate/outputSize', factor: f })}
          >
            {f}×
          </button>
        ))}
      </div>
      {choice.custom ? (
        <span className="hint" data-testid="output-size-custom">
          {choice.custom} (typed)
        </span>
      ) : null}
    </div>
  );
}
