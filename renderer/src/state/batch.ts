/**
 * "Batch…": the photos on the batch list, the output folder and options, and the batch on its way.
 * Pure. Main keeps the photos (paths from its dialogs, or dropped bytes); this keeps their ids, names
 * and how each fared.
 *
 *   idle ──starting──▶ starting ──started / progress──▶ running ──cancelling──▶ cancelling
 *            └──notStarted (main refused: the reason in `error`)──▶ idle
 *   starting / running / cancelling ──done──▶ idle (the counts in `summary`)
 *
 * The renderer names the batch (batchId) before it asks, so main's events may come before its answer;
 * events of another id are ignored. A photo's `state` is null until a batch takes it.
 */
import type { ColourMode } from '../../../common/photo';
import type { BatchDoneEvent, BatchPhoto, BatchPhotoState, BatchProgressEvent, ExportFormat } from '../../../preload/contract/channels';

export interface BatchItem extends BatchPhoto {
  state: BatchPhotoState | null;
  /** 0..1 of this photo's restoration. */
  fraction: number;
  /** Why it failed or was skipped, or what was written. */
  message: string | null;
  /** Its output's file name, once a batch named it. */
  output: string | null;
}

export interface BatchOptions {
  /** Each photo with its own estimate (`auto`) instead of the editor's restoration prompt. */
  ownEstimate: boolean;
  /** Replace outputs that exist (else those photos are skipped). */
  overwrite: boolean;
  format: ExportFormat;
  /** Leave the photos' GPS position out of the outputs (camera EXIF, XMP, IPTC and DPI are kept either way). */
  stripLocation: boolean;
  /** Each output in sRGB, or in its photo's own colour profile. */
  colour: ColourMode;
}

export type BatchStatus = 'idle' | 'starting' | 'running' | 'cancelling';

export interface BatchState {
  photos: BatchItem[];
  /** The folder main checked and will write to; null until chosen. */
  outputFolder: string | null;
  options: BatchOptions;
  status: BatchStatus;
  batchId: string | null;
  /** What the last add left out ("skipped 1 file that is not …"). */
  note: string | null;
  /** The last thing that went wrong (main's words), shown in the dialog. */
  error: string | null;
  /** How the last batch ended. */
  summary: BatchDoneEvent['counts'] | null;
}

export type BatchAction =
  | { type: 'batch/added'; photos: BatchPhoto[]; note: string | null }
  | { type: 'batch/removed'; ids: string[] }
  | { type: 'batch/output'; folder: string }
  | { type: 'batch/options'; patch: Partial<BatchOptions> }
  | { type: 'batch/failed'; message: string }
  | { type: 'batch/starting'; batchId: string }
  | { type: 'batch/started'; batchId: string }
  | { type: 'batch/notStarted'; batchId: string; message: string }
  | { type: 'batch/progress'; event: BatchProgressEvent }
  | { type: 'batch/cancelling'; batchId: string }
  | { type: 'batch/done'; event: BatchDoneEvent };

export const initialBatchState: BatchState = {
  photos: [],
  outputFolder: null,
  options: { ownEstimate: false, overwrite: false, format: 'png', stripLocation: false, colour: 'srgb' },
  status: 'idle',
  batchId: null,
  note: null,
  error: null,
  summary: null,
};

/** Whether a batch is on its way (the list and options are then fixed). */
export function isBatchRunning(s: BatchState): boolean {
  return s.status !== 'idle';
}

/** Photos the running (or last) batch has finished, whatever the outcome, and how many it has. */
export function batchProgress(s: BatchState): { finished: number; total: number } {
  const taken = s.photos.filter((p) => p.state !== null);
  return { finished: taken.filter((p) => p.state !== 'queued' && p.state !== 'running').length, total: taken.length };
}

export function batchReducer(state: BatchState, action: BatchAction): BatchState {
  switch (action.type) {
    case 'batch/added': {
      if (isBatchRunning(state)) return state;
      const known = new Set(state.photos.map((p) => p.id));
      const fresh = action.photos.filter((p) => !known.has(p.id)).map((p) => ({ ...p, state: null, fraction: 0, message: null, output: null }));
      return { ...state, photos: [...state.photos, ...fresh], note: action.note, error: null, summary: null };
    }
    case 'batch/removed': {
      if (isBatchRunning(state)) return state;
      const gone = new Set(action.ids);
      return { ...state, photos: action.ids.length === 0 ? [] : state.photos.filter((p) => !gone.has(p.id)), note: null, summary: null };
    }
    case 'batch/output':
      return { ...state, outputFolder: action.folder, error: null };
    case 'batch/options':
      return isBatchRunning(state) ? state : { ...state, options: { ...state.options, ...action.patch } };
    case 'batch/failed':
      return { ...state, error: action.message };
    case 'batch/starting':
      if (isBatchRunning(state)) return state;
      return {
        ...state,
        status: 'starting',
        batchId: action.batchId,
        error: null,
        note: null,
        summary: null,
        photos: state.photos.map((p) => ({ ...p, state: 'queued', fraction: 0, message: null })),
      };
    case 'batch/started':
      return state.batchId === action.batchId && state.status === 'starting' ? { ...state, status: 'running' } : state;
    case 'batch/notStarted':
      if (state.batchId !== action.batchId || !isBatchRunning(state)) return state;
      return { ...state, status: 'idle', error: action.message, photos: state.photos.map((p) => ({ ...p, state: null, fraction: 0, message: null })) };
    case 'batch/progress': {
      const e = action.event;
      if (state.batchId !== e.batchId || !isBatchRunning(state)) return state;
      return {
        ...state,
        status: state.status === 'starting' ? 'running' : state.status,
        photos: state.photos.map((p) => (p.id === e.photoId ? { ...p, state: e.state, fraction: Math.min(1, Math.max(0, e.fraction)), message: e.message, output: e.output } : p)),
      };
    }
    case 'batch/cancelling':
      return state.batchId === action.batchId && (state.status === 'running' || state.status === 'starting') ? { ...state, status: 'cancelling' } : state;
    case 'batch/done':
      if (state.batchId !== action.event.batchId || !isBatchRunning(state)) return state;
      return { ...state, status: 'idle', summary: action.event.counts };
    default:
      return state;
  }
}
