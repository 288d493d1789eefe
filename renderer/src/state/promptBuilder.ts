/**
 * The restoration prompt builder: the text field and the controls (a toggle, a
 * with-number switch and a slider per operation, and the blind preset) kept in sync
 * both ways. Pure: the grammar lives in common/restorationPrompt.ts and is
 * shared with the engine, so what the builder accepts is what the engine runs.
 *
 *   controls --textFromControls--> canonical text
 *   text --controlsFromText(text, previous)--> controls (or the previous ones and the reason)
 *
 * The controls remember each operation's last value while it is switched off, so
 * turning Deblur off and on again brings back its sigma.
 */
import type { OperationSpec, RestorationOperation } from '../../../common/restorationPrompt';
import { RESTORATION_GRAMMAR, RestorationPromptError, formatRestorationPrompt } from '../../../common/restorationPrompt';
import { understandRestorationPrompt } from '../../../common/plainWords';

/** One operation's controls. */
export interface OperationControl {
  /** The clause is in the prompt. */
  enabled: boolean;
  /** The clause gives a number (`Deblur with sigma 2.0;`) rather than the type alone (`Deblur;`). */
  withNumber: boolean;
  /** The slider's value, always inside the grammar's range and on its grid. */
  value: number;
}

export interface PromptControls {
  /** `Remove all degradation`: the operations are off while it is on. */
  blind: boolean;
  /** By grammar key (blur, downsample, noise, jpeg). */
  ops: Readonly<Record<string, OperationControl>>;
}

/** The operations in canonical order (Deblur, Upsample, Denoise, Dejpeg). */
export const OPERATIONS: readonly OperationSpec[] = RESTORATION_GRAMMAR.operations;

/** Where each slider starts: a moderate degradation of each kind. */
const START_VALUES: Readonly<Record<string, number>> = { blur: 1.0, downsample: 2.0, noise: 0.05, jpeg: 50 };

export function operationSpec(key: string): OperationSpec {
  const spec = OPERATIONS.find((op) => op.key === key);
  if (!spec) throw new RestorationPromptError(`unknown operation key '${key}'; allowed: ${OPERATIONS.map((o) => o.key).join(', ')}`);
  return spec;
}

/** The slider's step: one unit in the last decimal the grammar prints (0.1, 0.01, 1). */
export function stepOf(spec: OperationSpec): number {
  return 10 ** -spec.decimals;
}

/** `value` clamped to the operation's range and rounded to its grid (NaN goes to the minimum). */
export function snapValue(spec: OperationSpec, value: number): number {
  const v = Number.isFinite(value) ? value : spec.min;
  const clamped = Math.min(spec.max, Math.max(spec.min, v));
  return Number(clamped.toFixed(spec.decimals));
}

function startValue(spec: OperationSpec): number {
  return snapValue(spec, START_VALUES[spec.key] ?? (spec.min + spec.max) / 2);
}

/** The blind preset with every slider at its start value (what a new session shows). */
export function defaultControls(): PromptControls {
  const ops: Record<string, OperationControl> = {};
  for (const spec of OPERATIONS) ops[spec.key] = { enabled: false, withNumber: true, value: startValue(spec) };
  return { blind: true, ops };
}

function controlOf(controls: PromptControls, spec: OperationSpec): OperationControl {
  return controls.ops[spec.key] ?? { enabled: false, withNumber: true, value: startValue(spec) };
}

/** The operations the controls put in the prompt, in canonical order. */
export function operationsOf(controls: PromptControls): RestorationOperation[] {
  if (controls.blind) return [];
  return OPERATIONS.filter((spec) => controlOf(controls, spec).enabled).map((spec) => {
    const c = controlOf(controls, spec);
    return { key: spec.key, value: c.withNumber ? snapValue(spec, c.value) : null };
  });
}

/** The canonical prompt text the controls describe ("" when nothing is on and the preset is off). */
export function textFromControls(controls: PromptControls): string {
  return formatRestorationPrompt({ operations: operationsOf(controls), blind: controls.blind });
}

export type TextSync =
  | { ok: true; controls: PromptControls; canonical: string; plainWords: boolean }
  | { ok: false; controls: PromptControls; error: string };

/**
 * The controls a typed prompt asks for: grammar text or plain words (common/plainWords.ts;
 * `plainWords` says the text was translated to `canonical`). Operations the text leaves out are
 * switched off but keep their values; a clause without a number keeps the slider where it was.
 * An invalid prompt leaves the controls as they were and says why.
 */
export function controlsFromText(text: string, previous: PromptControls): TextSync {
  let parsed;
  let plainWords: boolean;
  try {
    ({ prompt: parsed, plainWords } = understandRestorationPrompt(text));
  } catch (err) {
    if (err instanceof RestorationPromptError) return { ok: false, controls: previous, error: err.message };
    throw err;
  }
  const ops: Record<string, OperationControl> = {};
  for (const spec of OPERATIONS) {
    const before = controlOf(previous, spec);
    const op = parsed.operations.find((o) => o.key === spec.key);
    if (!op) ops[spec.key] = { ...before, enabled: false };
    else if (op.value === null) ops[spec.key] = { ...before, enabled: true, withNumber: false };
    else ops[spec.key] = { enabled: true, withNumber: true, value: snapValue(spec, op.value) };
  }
  return { ok: true, controls: { blind: parsed.blind, ops }, canonical: parsed.text, plainWords };
}

/** What a control change asks for. */
export type ControlEdit =
  | { kind: 'toggle'; key: string; enabled: boolean }
  | { kind: 'withNumber'; key: string; withNumber: boolean }
  | { kind: 'value'; key: string; value: number }
  | { kind: 'blind'; blind: boolean };

/**
 * Applies one control change. Switching an operation on turns the blind preset off;
 * switching the preset on turns the operations off (the grammar forbids mixing them).
 * Moving a slider switches its operation on with a number.
 */
export function applyControlEdit(controls: PromptControls, edit: ControlEdit): PromptControls {
  if (edit.kind === 'blind') {
    if (!edit.blind) return { ...controls, blind: false };
    const ops: Record<string, OperationControl> = {};
    for (const spec of OPERATIONS) ops[spec.key] = { ...controlOf(controls, spec), enabled: false };
    return { blind: true, ops };
  }
  const spec = operationSpec(edit.key);
  const before = controlOf(controls, spec);
  let next: OperationControl;
  switch (edit.kind) {
    case 'toggle':
      next = { ...before, enabled: edit.enabled };
      break;
    case 'withNumber':
      next = { ...before, withNumber: edit.withNumber };
      break;
    case 'value':
      next = { enabled: true, withNumber: true, value: snapValue(spec, edit.value) };
      break;
  }
  return { blind: next.enabled ? false : controls.blind, ops: { ...controls.ops, [spec.key]: next } };
}

/**
 * A restoration prompt field with its builder: the text as typed, the controls, and the grammar's
 * complaint (or null). The photo's prompt is one (PromptState), each region's own prompt another
 * (state/regions.ts); both change only through the three functions below.
 */
export interface RestorationField {
  /** The restoration prompt as typed (or as the controls last wrote it). */
  restorationText: string;
  controls: PromptControls;
  /** The grammar's complaint about `restorationText`, or null when it is valid. */
  error: string | null;
  /** The canonical text plain words were read as (`Deblur with sigma 0.8;` for `sharpen a little`), shown under the field; absent or null for grammar text. */
  understood?: string | null;
}

/** What the field shows under the text: `Understood as: …` while it holds plain words, else null. */
export function understoodLine(field: Pick<RestorationField, 'understood'>): string | null {
  return field.understood != null ? `Understood as: ${field.understood === '' ? '(nothing to fix)' : field.understood}` : null;
}

/** The field with `text` typed: the controls follow a valid text; an invalid one keeps them and says why. */
export function withTypedText<F extends RestorationField>(field: F, text: string): F {
  const sync = controlsFromText(text, field.controls);
  return { ...field, restorationText: text, controls: sync.controls, error: sync.ok ? null : sync.error, understood: sync.ok && sync.plainWords ? sync.canonical : null };
}

/** The field after one control change: the text is the controls' canonical text. */
export function withControlEdit<F extends RestorationField>(field: F, edit: ControlEdit): F {
  const controls = applyControlEdit(field.controls, edit);
  return { ...field, controls, restorationText: textFromControls(controls), error: null, understood: null };
}

/**
 * The field with a valid text in canonical form (e.g. when it loses focus); itself when nothing changes.
 * Plain words stay as typed (the line under the field says what they were read as); requests take
 * the canonical text (run.ts), never the words.
 */
export function withCanonicalText<F extends RestorationField>(field: F): F {
  const sync = controlsFromText(field.restorationText, field.controls);
  return sync.ok && !sync.plainWords && sync.canonical !== field.restorationText ? { ...field, restorationText: sync.canonical } : field;
}

/** The builder's state in the store: what the user typed, the controls, and why the text is invalid (or null). */
export interface PromptState extends RestorationField {
  /** Global semantic prompt ("" = none). */
  semantic: string;
}

export function initialPromptState(): PromptState {
  const controls = defaultControls();
  return { semantic: '', restorationText: textFromControls(controls), controls, error: null, understood: null };
}

export type PromptAction =
  | { type: 'prompt/semantic'; text: string }
  | { type: 'prompt/restorationText'; text: string }
  | { type: 'prompt/control'; edit: ControlEdit }
  /** Puts the typed text in canonical form when it is valid (e.g. when the field loses focus). */
  | { type: 'prompt/canonicalise' }
  /** Sets everything at once (revisiting a history entry). */
  | { type: 'prompt/load'; semantic: string; restorationText: string };

export function promptReducer(state: PromptState, action: PromptAction): PromptState {
  switch (action.type) {
    case 'prompt/semantic':
      return state.semantic === action.text ? state : { ...state, semantic: action.text };
    case 'prompt/restorationText':
      return withTypedText(state, action.text);
    case 'prompt/control':
      return withControlEdit(state, action.edit);
    case 'prompt/canonicalise':
      return withCanonicalText(state);
    case 'prompt/load':
      return withTypedText({ ...state, semantic: action.semantic }, action.restorationText);
  }
}
