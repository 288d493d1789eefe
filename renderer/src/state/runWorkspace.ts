/**
 * The run workspace: everything about prompting, running and comparing results, as
 * one slice of AppState (`studio`) with its own reducer composed of small pure ones:
 *
 *   prompt    promptBuilder.ts   semantic prompt, restoration prompt text <-> controls
 *   estimate  promptEstimate.ts  the photo's degradation estimate, which fills the restoration prompt
 *   settings  settings.ts        steps, guidance, seed, strength, ... pack, provider
 *   job       run.ts             the run in progress (progress, ETA, preview)
 *   history   historyResults.ts  finished results
 *   compare   compare.ts         original vs result views
 *   sweep     sweep.ts           the sweep (prompt numbers and run settings) and its grid
 *   packImport packImport.ts     "Import Stable Diffusion model…": the import in progress, how the last one ended
 *   batch     batch.ts           "Batch…": the photo list, output folder, options, the batch on its way
 *   dialog    which dialog is open (help, export, sweep, import, batch)
 */
import type { BatchAction, BatchState } from './batch';
import { batchReducer, initialBatchState } from './batch';
import type { CompareAction, CompareState } from './compare';
import { compareReducer, initialCompareState } from './compare';
import type { HistoryAction, HistoryState } from './historyResults';
import { historyReducer, initialHistoryState } from './historyResults';
import type { PromptAction, PromptState } from './promptBuilder';
import { initialPromptState, promptReducer } from './promptBuilder';
import type { EstimateAction, EstimateState } from './promptEstimate';
import { initialEstimateState, markEdited, promptEstimateReducer } from './promptEstimate';
import type { PackImportAction, PackImportState } from './packImport';
import { initialPackImportState, packImportReducer } from './packImport';
import type { JobAction, JobState } from './run';
import { initialJobState, jobReducer } from './run';
import type { RunSettings, SettingsAction } from './settings';
import { DEFAULT_RUN_SETTINGS, settingsReducer } from './settings';
import type { SweepAction, SweepState } from './sweep';
import { initialSweepState, sweepReducer } from './sweep';

export type DialogName = 'help' | 'export' | 'sweep' | 'import' | 'batch';

export interface RunWorkspaceState {
  prompt: PromptState;
  estimate: EstimateState;
  settings: RunSettings;
  job: JobState;
  history: HistoryState;
  compare: CompareState;
  sweep: SweepState;
  packImport: PackImportState;
  batch: BatchState;
  dialog: DialogName | null;
}

export type DialogAction = { type: 'dialog/open'; dialog: DialogName } | { type: 'dialog/close' };

export type RunWorkspaceAction = PromptAction | EstimateAction | SettingsAction | JobAction | HistoryAction | CompareAction | SweepAction | PackImportAction | BatchAction | DialogAction;

export function initialRunWorkspace(): RunWorkspaceState {
  return {
    prompt: initialPromptState(),
    estimate: initialEstimateState,
    settings: DEFAULT_RUN_SETTINGS,
    job: initialJobState,
    history: initialHistoryState,
    compare: initialCompareState,
    sweep: initialSweepState,
    packImport: initialPackImportState,
    batch: initialBatchState,
    dialog: null,
  };
}

const PREFIXES = ['prompt/', 'estimate/', 'settings/', 'run/', 'history/', 'compare/', 'sweep/', 'packImport/', 'batch/', 'dialog/'];

/** Whether an action belongs to this slice (the app reducer hands those over). */
export function isRunWorkspaceAction(action: { type: string }): action is RunWorkspaceAction {
  return PREFIXES.some((p) => action.type.startsWith(p));
}

/** Prompt edits that are the user's own: an estimate still being read then leaves the text alone. */
const USER_PROMPT_EDITS: readonly PromptAction['type'][] = ['prompt/restorationText', 'prompt/control', 'prompt/load'];

function slice<K extends keyof RunWorkspaceState>(state: RunWorkspaceState, key: K, next: RunWorkspaceState[K]): RunWorkspaceState {
  return next === state[key] ? state : { ...state, [key]: next };
}

export function runWorkspaceReducer(state: RunWorkspaceState, action: RunWorkspaceAction): RunWorkspaceState {
  const prefix = action.type.slice(0, action.type.indexOf('/') + 1);
  switch (prefix) {
    case 'prompt/': {
      const next = slice(state, 'prompt', promptReducer(state.prompt, action as PromptAction));
      return USER_PROMPT_EDITS.includes(action.type as PromptAction['type']) ? slice(next, 'estimate', markEdited(next.estimate)) : next;
    }
    case 'estimate/': {
      const next = promptEstimateReducer({ prompt: state.prompt, estimate: state.estimate }, action as EstimateAction);
      return slice(slice(state, 'prompt', next.prompt), 'estimate', next.estimate);
    }
    case 'settings/':
      return slice(state, 'settings', settingsReducer(state.settings, action as SettingsAction));
    case 'run/':
      return slice(state, 'job', jobReducer(state.job, action as JobAction));
    case 'history/': {
      const next = slice(state, 'history', historyReducer(state.history, action as HistoryAction));
      // A result that became current is shown.
      if ((action.type === 'history/added' && action.makeCurrent) || (action.type === 'history/select' && action.id !== null && next.history.currentId === action.id)) return slice(next, 'compare', compareReducer(next.compare, { type: 'compare/show', on: true }));
      // Nothing left to compare with: back to the editing view.
      if (next.history.currentId === null && next.compare.on) return slice(next, 'compare', compareReducer(next.compare, { type: 'compare/show', on: false }));
      return next;
    }
    case 'compare/':
      return slice(state, 'compare', compareReducer(state.compare, action as CompareAction));
    case 'sweep/':
      return slice(state, 'sweep', sweepReducer(state.sweep, action as SweepAction));
    case 'packImport/':
      return slice(state, 'packImport', packImportReducer(state.packImport, action as PackImportAction));
    case 'batch/':
      return slice(state, 'batch', batchReducer(state.batch, action as BatchAction));
    case 'dialog/': {
      const a = action as DialogAction;
      const dialog = a.type === 'dialog/open' ? a.dialog : null;
      return dialog === state.dialog ? state : { ...state, dialog };
    }
    default:
      return state;
  }
}
