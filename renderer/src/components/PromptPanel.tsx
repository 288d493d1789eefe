import { useServices } from '../app/appContext';
import { useStudio } from '../app/runContext';
import type { ControlEdit } from '../state/promptBuilder';
import { OPERATIONS, stepOf } from '../state/promptBuilder';
import { formatValue, RESTORATION_GRAMMAR } from '../../../common/restorationPrompt';
import { EstimateLine, OutputSizeControl } from './PromptEstimate';
import './Panels.css';

/** What each operation's toggle says. */
const LABELS: Record<string, string> = { blur: 'Deblur', downsample: 'Upsample', noise: 'Denoise', jpeg: 'Dejpeg' };
const UNITS: Record<string, string> = { blur: 'σ', downsample: '×', noise: 'σ', jpeg: 'q' };

/**
 * The semantic prompt (what the photo shows) and the restoration prompt (what is wrong
 * with it): a text field and the builder's controls, kept in sync both ways by
 * promptBuilder.ts. An invalid text is flagged under the field with the grammar's reason.
 * Under the field: where the text came from (the photo's estimate, edited, `auto`) and the
 * output size, which is the user's choice (promptEstimate.ts).
 */
export function PromptPanel() {
  const { store } = useServices();
  const prompt = useStudio((s) => s.prompt);
  const restorerOnly = useStudio((s) => s.settings.strength === 0);
  const edit = (e: ControlEdit) => store.dispatch({ type: 'prompt/control', edit: e });
  const { controls } = prompt;

  return (
    <section className="panel" aria-labelledby="prompt-panel-title">
      <h2 className="panel-title" id="prompt-panel-title">
        Prompts
      </h2>

      <label className="field-label" htmlFor="semantic-prompt">
        What the photo shows
      </label>
      <textarea
        id="semantic-prompt"
        className="text-field"
        data-testid="semantic-prompt"
        rows={2}
        placeholder="e.g. a portrait of an old man, detailed skin"
        value={prompt.semantic}
        spellCheck={false}
        onChange={(e) => store.dispatch({ type: 'prompt/semantic', text: e.target.value })}
      />
      {restorerOnly ? (
        <p className="hint" data-testid="semantic-prompt-hint">
          Used by the diffusion model: raise the strength above 0 (now restorer only) for this and region prompts to act.
        </p>
      ) : null}

      <label className="field-label" htmlFor="restoration-prompt">
        What to fix
      </label>
      <textarea
        id="restoration-prompt"
        className={`text-field mono${prompt.error ? ' invalid' : ''}`}
        data-testid="restoration-prompt"
        rows={2}
        value={prompt.restorationText}
        spellCheck={false}
        aria-invalid={prompt.error !== null}
        aria-describedby={prompt.error ? 'restoration-prompt-error' : undefined}
        placeholder="(empty: nothing to fix)"
        onChange={(e) => store.dispatch({ type: 'prompt/restorationText', text: e.target.value })}
        onBlur={() => store.dispatch({ type: 'prompt/canonicalise' })}
      />
      {prompt.error ? (
        <p className="field-error" id="restoration-prompt-error" data-testid="restoration-prompt-error" role="alert">
          {prompt.error}
        </p>
      ) : null}
      <EstimateLine />
      <OutputSizeControl />

      <label className="check-row preset">
        <input type="checkbox" data-testid="preset-blind" checked={controls.blind} onChange={(e) => edit({ kind: 'blind', blind: e.target.checked })} />
        <span>{RESTORATION_GRAMMAR.blindPrompt}</span>
        <span className="hint">(blind: the model reads the photo itself)</span>
      </label>

      <div className="ops">
        {OPERATIONS.map((spec) => {
          const c = controls.ops[spec.key]!;
          return (
            <div className={`op${c.enabled ? ' on' : ''}`} key={spec.key} title={spec.description}>
              <label className="check-row">
                <input
                  type="checkbox"
                  data-testid={`op-toggle-${spec.key}`}
                  checked={c.enabled}
                  onChange={(e) => edit({ kind: 'toggle', key: spec.key, enabled: e.target.checked })}
                />
                <span className="op-name">{LABELS[spec.key] ?? spec.name}</span>
              </label>
              <input
                type="range"
                className="op-slider"
                data-testid={`op-value-${spec.key}`}
                aria-label={`${spec.name} ${spec.param}`}
                min={spec.min}
                max={spec.max}
                step={stepOf(spec)}
                value={c.value}
                disabled={c.enabled && !c.withNumber}
                onChange={(e) => edit({ kind: 'value', key: spec.key, value: Number(e.target.value) })}
              />
              <output className={`op-value${c.enabled && c.withNumber ? '' : ' dim'}`}>
                {UNITS[spec.key]} {formatValue(spec, c.value)}
              </output>
              <label className="check-row small" title="Off: name the degradation without a number and let the model judge how strong it is">
                <input
                  type="checkbox"
                  data-testid={`op-number-${spec.key}`}
                  checked={c.withNumber}
                  onChange={(e) => edit({ kind: 'withNumber', key: spec.key, withNumber: e.target.checked })}
                />
                <span>#</span>
              </label>
            </div>
          );
        })}
      </div>
    </section>
  );
}
