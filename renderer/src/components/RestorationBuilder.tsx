/**
 * The compact restoration prompt builder: the text field (flagged with the grammar's reason when
 * invalid; "Understood as: …" under it when it holds plain words), the blind preset, and per operation a toggle, a slider and a with-number switch, kept in
 * sync with the text by promptBuilder.ts. The photo's prompt (PromptPanel) and each region's own
 * prompt (RegionsPanel) use it; `testId` names its parts (the photo's keep their plain names).
 */
import type { ReactNode } from 'react';
import type { ControlEdit, RestorationField } from '../state/promptBuilder';
import { OPERATIONS, stepOf, understoodLine } from '../state/promptBuilder';
import { formatValue, RESTORATION_GRAMMAR } from '../../../common/restorationPrompt';
import './Panels.css';

/** What each operation's toggle says. */
const LABELS: Record<string, string> = { blur: 'Deblur', downsample: 'Upsample', noise: 'Denoise', jpeg: 'Dejpeg' };
const UNITS: Record<string, string> = { blur: 'σ', downsample: '×', noise: 'σ', jpeg: 'q' };

export interface RestorationBuilderProps {
  field: RestorationField;
  /** The text field's element id (its label's `htmlFor`); the error's id is `${id}-error`. */
  id: string;
  /** The data-testid of each part: `restoration-prompt`, `restoration-prompt-error`, `preset-blind`, `op-toggle-blur`, … */
  testId: (part: string) => string;
  onText: (text: string) => void;
  /** The field lost focus: write the text in canonical form. */
  onCanonicalise: () => void;
  onEdit: (edit: ControlEdit) => void;
  placeholder?: string;
  /** Shown between the text field and the controls (the photo's estimate and output size). */
  children?: ReactNode;
}

export function RestorationBuilder({ field, id, testId, onText, onCanonicalise, onEdit, placeholder, children }: RestorationBuilderProps) {
  const { controls } = field;
  const errorId = `${id}-error`;
  const understood = understoodLine(field);
  return (
    <>
      <textarea
        id={id}
        className={`text-field mono${field.error ? ' invalid' : ''}`}
        data-testid={testId('restoration-prompt')}
        rows={2}
        value={field.restorationText}
        spellCheck={false}
        aria-invalid={field.error !== null}
        aria-describedby={field.error ? errorId : undefined}
        placeholder={placeholder ?? '(empty: nothing to fix)'}
        onChange={(e) => onText(e.target.value)}
        onBlur={onCanonicalise}
      />
      {field.error ? (
        <p className="field-error" id={errorId} data-testid={testId('restoration-prompt-error')} role="alert">
          {field.error}
        </p>
      ) : null}
      {understood ? (
        <p className="hint" data-testid={testId('restoration-prompt-understood')}>
          {understood}
        </p>
      ) : null}
      {children}

      <label className="check-row preset">
        <input type="checkbox" data-testid={testId('preset-blind')} checked={controls.blind} onChange={(e) => onEdit({ kind: 'blind', blind: e.target.checked })} />
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
                  data-testid={testId(`op-toggle-${spec.key}`)}
                  checked={c.enabled}
                  onChange={(e) => onEdit({ kind: 'toggle', key: spec.key, enabled: e.target.checked })}
                />
                <span className="op-name">{LABELS[spec.key] ?? spec.name}</span>
              </label>
              <input
                type="range"
                className="op-slider"
                data-testid={testId(`op-value-${spec.key}`)}
                aria-label={`${spec.name} ${spec.param}`}
                min={spec.min}
                max={spec.max}
                step={stepOf(spec)}
                value={c.value}
                disabled={c.enabled && !c.withNumber}
                onChange={(e) => onEdit({ kind: 'value', key: spec.key, value: Number(e.target.value) })}
              />
              <output className={`op-value${c.enabled && c.withNumber ? '' : ' dim'}`}>
                {UNITS[spec.key]} {formatValue(spec, c.value)}
              </output>
              <label className="check-row small" title="Off: name the degradation without a number and let the model judge how strong it is">
                <input
                  type="checkbox"
                  data-testid={testId(`op-number-${spec.key}`)}
                  checked={c.withNumber}
                  onChange={(e) => onEdit({ kind: 'withNumber', key: spec.key, withNumber: e.target.checked })}
                />
                <span>#</span>
              </label>
            </div>
          );
        })}
      </div>
    </>
  );
}
