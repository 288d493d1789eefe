/**
 * The estimated restoration prompt: when a photo opens and the loaded pack has a degradation
 * estimator, the estimate fills the restoration prompt field as ordinary editable text; the panel
 * marks it estimated (per operation: how sure the estimator is) until the user changes it. The
 * output size (`Upsample to Kx`) is never estimated: it is the user's, set with its own control.
 * Pure: the IPC call is in app/estimateController.ts.
 *
 *   photo opens --estimate/asked--> reading --estimate/arrived--> ready: fills the field, at the text's
 *                                     |                                   output size, unless the user
 *                                     |                                   typed meanwhile
 *                                     +--estimate/failed--> failed (`no-estimator`: unavailable)
 *   an answer for a photo or pack no longer current is dropped.
 *
 * Whether the field holds the estimate is not stored: the text is compared with the estimate at the
 * text's own output size (isEstimatedPrompt), so an edit marks it edited and undoing the edit marks it
 * estimated again.
 */
import type { EngineStatus } from '../../../common/engineStatus';
import type { DegradationEstimate, EstimatedOperation } from '../../../common/estimate';
import { OUTPUT_SIZE_KEY, estimatedPromptAt, isEstimatedPrompt, outputSizeOf } from '../../../common/estimatedPrompt';
import {
  RESTORATION_GRAMMAR,
  RestorationPromptError,
  formatRestorationPrompt,
  formatValue,
  type RestorationOperation,
  type RestorationPrompt,
} from '../../../common/restorationPrompt';
import type { PromptState } from './promptBuilder';
import { OPERATIONS, operationSpec, withTypedText } from './promptBuilder';
import { understandRestorationPrompt } from '../../../common/plainWords';

export interface EstimateState {
  /** The photo and pack the estimate was asked for (null: none asked). */
  imageId: string | null;
  packDir: string | null;
  /** `unavailable`: the engine said the pack has no estimator. */
  status: 'none' | 'reading' | 'ready' | 'failed' | 'unavailable';
  estimate: DegradationEstimate | null;
  /** The user typed, moved a control or reused a history prompt since it was asked: the estimate then leaves their text alone. */
  editedSinceAsked: boolean;
  /** Why it failed, in main's words (status failed). */
  error: string | null;
}

export const initialEstimateState: EstimateState = { imageId: null, packDir: null, status: 'none', estimate: null, editedSinceAsked: false, error: null };

/** The output sizes the panel offers beside the estimate. */
export const OUTPUT_SIZES = [1, 2, 4] as const;

export type EstimateAction =
  | { type: 'estimate/asked'; imageId: string; packDir: string }
  | { type: 'estimate/arrived'; imageId: string; packDir: string; estimate: DegradationEstimate }
  | { type: 'estimate/failed'; imageId: string; packDir: string; code: string; message: string }
  /** Puts the estimate back in the field ("Use estimate"), at the text's output size. */
  | { type: 'estimate/use' }
  /** Sets (factor > 1) or removes (1) the output size clause of whatever text is there. */
  | { type: 'estimate/outputSize'; factor: number };

/** What the estimate reducer changes: the prompt (when it fills the field) and the estimate. */
export interface PromptWithEstimate {
  prompt: PromptState;
  estimate: EstimateState;
}

/** The photo and pack an estimate should be read for now, or null (no photo, no pack, or a pack without an estimator). */
export function wantedEstimate(state: { image: { id: string } | null; engine: EngineStatus | null }): { imageId: string; packDir: string } | null {
  const pack = state.engine?.pack;
  if (!state.image || !pack || pack.hasEstimator === false) return null;
  if (state.engine?.state !== 'ready' && state.engine?.state !== 'busy') return null;
  return { imageId: state.image.id, packDir: pack.dir };
}

/** The estimate of `imageId` with `packDir`, when that is the one in the state and it has arrived. */
export function currentEstimate(state: Pick<EstimateState, 'status' | 'imageId' | 'packDir' | 'estimate'>, imageId: string | null, packDir: string | null): DegradationEstimate | null {
  return state.status === 'ready' && state.imageId === imageId && state.packDir === packDir ? state.estimate : null;
}

function parsed(text: string): RestorationPrompt | null {
  try {
    return understandRestorationPrompt(text).prompt;
  } catch (err) {
    if (err instanceof RestorationPromptError) return null;
    throw err;
  }
}

/** The output size clause the prompt has now: the text's, or (text invalid) the builder's last valid one. */
export function outputSizeNow(prompt: Pick<PromptState, 'restorationText' | 'controls'>): RestorationOperation | null {
  const p = parsed(prompt.restorationText);
  if (p) return outputSizeOf(p);
  const c = prompt.controls.ops[OUTPUT_SIZE_KEY];
  return !prompt.controls.blind && c?.enabled ? { key: OUTPUT_SIZE_KEY, value: c.withNumber ? c.value : null } : null;
}

/** The prompt with `text` in the field and the builder's controls following it. */
function withText(prompt: PromptState, text: string): PromptState {
  return withTypedText(prompt, text);
}

/** The prompt with the estimate in the field, at the output size the prompt has now. */
export function fillEstimate(prompt: PromptState, estimate: DegradationEstimate): PromptState {
  const text = estimatedPromptAt(estimate, outputSizeNow(prompt)).text;
  return text === prompt.restorationText ? prompt : withText(prompt, text);
}

/**
 * The text with its output size set to `factor` (1: no clause): the estimate's prompt at that size when
 * the text is the estimate (its blur is measured at the output's resolution, as `auto` does), else the
 * same clauses with the size replaced (`auto` stays `auto`). Null when the text cannot take a size
 * (invalid, or the blind prompt).
 */
export function textWithOutputSize(text: string, factor: number, estimate: DegradationEstimate | null): string | null {
  const p = parsed(text);
  if (!p || p.blind) return null;
  const size = factor === 1 ? null : { key: OUTPUT_SIZE_KEY, value: factor };
  if (estimate && isEstimatedPrompt(text, estimate)) return estimatedPromptAt(estimate, size).text;
  const operations = OPERATIONS.flatMap((spec) => {
    if (spec.key === OUTPUT_SIZE_KEY) return size ? [size] : [];
    const op = p.operations.find((o) => o.key === spec.key);
    return op ? [op] : [];
  });
  return formatRestorationPrompt({ operations, blind: false, auto: p.auto });
}

/** The field holds the estimate, or is waiting for it untouched. */
function holdsEstimate(state: EstimateState, text: string): boolean {
  if (state.status === 'reading') return !state.editedSinceAsked;
  return state.status === 'ready' && state.estimate !== null && isEstimatedPrompt(text, state.estimate);
}

const sameAsk = (state: EstimateState, a: { imageId: string; packDir: string }): boolean => state.imageId === a.imageId && state.packDir === a.packDir && state.status === 'reading';

export function promptEstimateReducer(state: PromptWithEstimate, action: EstimateAction): PromptWithEstimate {
  switch (action.type) {
    case 'estimate/asked': {
      // A new photo takes its estimate; the same photo asked again (another pack, an engine restart)
      // takes it only where the field held, or was waiting for, the estimate.
      const keepText = action.imageId === state.estimate.imageId && !holdsEstimate(state.estimate, state.prompt.restorationText);
      return { ...state, estimate: { imageId: action.imageId, packDir: action.packDir, status: 'reading', estimate: null, editedSinceAsked: keepText, error: null } };
    }
    case 'estimate/arrived': {
      if (!sameAsk(state.estimate, action)) return state; // a late answer for another photo or pack
      const estimate: EstimateState = { ...state.estimate, status: 'ready', estimate: action.estimate };
      return { estimate, prompt: state.estimate.editedSinceAsked ? state.prompt : fillEstimate(state.prompt, action.estimate) };
    }
    case 'estimate/failed': {
      if (!sameAsk(state.estimate, action)) return state;
      const status = action.code === 'no-estimator' ? 'unavailable' : 'failed';
      return { ...state, estimate: { ...state.estimate, status, error: action.message } };
    }
    case 'estimate/use': {
      const estimate = state.estimate.status === 'ready' ? state.estimate.estimate : null;
      return estimate ? { ...state, prompt: fillEstimate(state.prompt, estimate) } : state;
    }
    case 'estimate/outputSize': {
      const estimate = state.estimate.status === 'ready' ? state.estimate.estimate : null;
      const text = textWithOutputSize(state.prompt.restorationText, action.factor, estimate);
      return text === null || text === state.prompt.restorationText ? state : { ...state, prompt: withText(state.prompt, text) };
    }
  }
}

/** The estimate state after a prompt edit of the user's (typing, a control, a history prompt): a pending estimate leaves their text alone. */
export function markEdited(state: EstimateState): EstimateState {
  return state.status === 'reading' && !state.editedSinceAsked ? { ...state, editedSinceAsked: true } : state;
}

// ---------------------------------------------------------------------------
// What the panel shows
// ---------------------------------------------------------------------------

const OPERATION_WORDS: Record<EstimatedOperation['key'], { name: string; unit: string }> = {
  blur: { name: 'blur', unit: 'σ' },
  noise: { name: 'noise', unit: 'σ' },
  jpeg: { name: 'JPEG', unit: 'q' },
};

export interface EstimateChip {
  key: EstimatedOperation['key'];
  /** `blur σ 1.4 · 93 %`, `JPEG q 87 · from the file`, `no JPEG (7 %)`. */
  text: string;
  present: boolean;
}

/** `93 %`. */
const percent = (p: number): string => `${Math.round(Math.min(1, Math.max(0, p)) * 100)} %`;

/**
 * One chip per operation the estimator reads, in the grammar's order: its value (as the prompt at `size`
 * has it: the blur scales with the output size) and how sure it is, or, when it did not make the prompt,
 * how unlikely it is.
 */
export function estimateChips(estimate: DegradationEstimate, size: RestorationOperation | null): EstimateChip[] {
  const prompt = estimatedPromptAt(estimate, size);
  const order = (key: string) => RESTORATION_GRAMMAR.operations.findIndex((o) => o.key === key);
  return [...estimate.operations]
    .sort((a, b) => order(a.key) - order(b.key))
    .map((o) => {
      const words = OPERATION_WORDS[o.key];
      if (!o.present) return { key: o.key, present: false, text: `no ${words.name} (${percent(o.probability)})` };
      const value = prompt.operations.find((p) => p.key === o.key)?.value ?? o.value;
      const number = `${words.name} ${words.unit} ${formatValue(operationSpec(o.key), value)}`;
      return { key: o.key, present: true, text: `${number} · ${o.source === 'file' ? 'from the file' : percent(o.probability)}` };
    });
}

export type EstimateMarkKind = 'none' | 'reading' | 'estimated' | 'clean' | 'edited' | 'auto' | 'unavailable' | 'failed';

/** What the panel says about the restoration prompt's origin, under the field. */
export interface EstimateMark {
  kind: EstimateMarkKind;
  /** A short label (`Estimated from the photo`, `Edited`, `auto`), or null. A clean photo's estimate says so in `detail`. */
  badge: string | null;
  /** The words beside it. */
  detail: string;
  /** Per operation: value and confidence (estimated, clean, edited). */
  chips: EstimateChip[];
  /** The estimate's text at the prompt's output size, for "Use estimate" (edited only). */
  estimateText: string | null;
}

export interface MarkInput {
  prompt: Pick<PromptState, 'restorationText' | 'controls'>;
  estimate: EstimateState;
  imageId: string | null;
  /** The loaded pack (its dir and whether it has an estimator), or null. */
  pack: { dir: string; hasEstimator?: boolean } | null;
  /** A run in progress: an estimate waits behind it in the engine. */
  runBusy: boolean;
  /** The run is the restorer alone (strength 0, faithful): a clean photo comes back as it is. */
  restorerOnly: boolean;
}

const mark = (kind: EstimateMarkKind, badge: string | null, detail: string, chips: EstimateChip[] = [], estimateText: string | null = null): EstimateMark => ({ kind, badge, detail, chips, estimateText });

/** What a run does to a photo the estimator finds clean. */
function cleanDetail(size: RestorationOperation | null, restorerOnly: boolean): string {
  if (!restorerOnly) return 'nothing to fix (above strength 0 the diffusion model still redraws it)';
  return size && size.value !== 1 ? 'nothing to fix (the run only enlarges it)' : 'nothing to fix (the run leaves it as it is)';
}

/** The mark under the restoration prompt: reading, estimated (or clean), edited, auto, or why there is no estimate. */
export function estimateMark(input: MarkInput): EstimateMark {
  const { prompt, estimate: state, imageId, pack } = input;
  const p = parsed(prompt.restorationText);
  const noEstimator = pack?.hasEstimator === false || (state.status === 'unavailable' && state.imageId === imageId && state.packDir === pack?.dir);
  if (p?.auto) {
    return noEstimator
      ? mark('auto', 'auto', 'this pack has no estimator, so auto cannot run: write what to fix instead')
      : mark('auto', 'auto', 'the estimator will read the photo when you run');
  }
  if (imageId === null || pack === null) return mark('none', null, '');
  if (noEstimator) return mark('unavailable', null, 'This pack cannot estimate what is wrong with a photo: write what to fix, or use the controls below.');
  if (state.imageId !== imageId || state.packDir !== pack.dir) return mark('none', null, '');
  if (state.status === 'reading') return mark('reading', null, input.runBusy ? 'Reading the photo… (after the run in progress)' : 'Reading the photo…');
  if (state.status === 'failed') return mark('failed', null, `Could not read what is wrong with the photo: ${state.error ?? 'no answer'}`);
  const estimate = currentEstimate(state, imageId, pack.dir);
  if (!estimate) return mark('none', null, '');
  const size = outputSizeNow(prompt);
  const chips = estimateChips(estimate, size);
  if (p && isEstimatedPrompt(prompt.restorationText, estimate)) {
    return mark(estimate.restorationPrompt === '' ? 'clean' : 'estimated', 'Estimated from the photo', estimate.restorationPrompt === '' ? `Looks clean: ${cleanDetail(size, input.restorerOnly)}` : '', chips);
  }
  const text = estimatedPromptAt(estimate, size).text;
  return mark('edited', 'Edited', `estimate: ${text === '' ? 'nothing to fix' : text}`, chips, text);
}

/** The output size control: the size the text has (null when none of 1x/2x/4x), a custom size's words, or why it is off. */
export interface OutputSizeChoice {
  selected: (typeof OUTPUT_SIZES)[number] | null;
  /** `×3.0`, `Upsample (no factor)`: a size typed by hand that the buttons do not offer. */
  custom: string | null;
  /** Why the control is off (invalid text, the blind prompt), or null. */
  disabled: string | null;
}

export function outputSizeChoice(text: string): OutputSizeChoice {
  const p = parsed(text);
  if (!p) return { selected: null, custom: null, disabled: 'Fix the restoration prompt first.' };
  if (p.blind) return { selected: null, custom: null, disabled: `“${RESTORATION_GRAMMAR.blindPrompt}” keeps the photo’s size: write what to fix to choose one.` };
  const size = outputSizeOf(p);
  if (!size) return { selected: 1, custom: null, disabled: null };
  if (size.value === null) return { selected: null, custom: 'Upsample (no factor)', disabled: null };
  const offered = OUTPUT_SIZES.find((f) => f === size.value) ?? null;
  return { selected: offered, custom: offered === null ? `×${formatValue(operationSpec(OUTPUT_SIZE_KEY), size.value)}` : null, disabled: null };
}
