/**
 * "Import Stable Diffusion model…": the import in progress and how the last one ended. Pure.
 *
 *   idle ──choosing──▶ choosing ──started / progress──▶ running ──cancelling──▶ cancelling
 *            │  └──dialogClosed (the user cancelled main's dialog, or it failed)──▶ idle
 *            ▼
 *   running / cancelling ──done──▶ done (the new pack) | cancelled | idle (an error: the banner says it)
 *   done / cancelled ──dismiss──▶ idle
 *
 * The renderer names the import (jobId) before it asks, so main's events may come before its answer:
 * progress and the end are taken in `choosing` too, and a late `started` changes nothing. Events of
 * another id are ignored. `packsVersion` counts the imports that added a pack (the pack list reads again).
 */
import type { PackImportDoneEvent, PackImportProgressEvent, PackInfo } from '../../../preload/contract/channels';

export type PackImportStatus = 'idle' | 'choosing' | 'running' | 'cancelling' | 'done' | 'cancelled';

export interface PackImportState {
  status: PackImportStatus;
  jobId: string | null;
  /** The chosen file or folder's name, once main answered. */
  sourceName: string | null;
  /** The importer's last report. */
  stage: string | null;
  /** 0..1 */
  fraction: number;
  message: string | null;
  /** The pack the last import made (status `done`). */
  pack: PackInfo | null;
  packsVersion: number;
}

export type PackImportAction =
  | { type: 'packImport/choosing'; jobId: string }
  | { type: 'packImport/started'; jobId: string; sourceName: string }
  | { type: 'packImport/dialogClosed'; jobId: string }
  | { type: 'packImport/progress'; event: PackImportProgressEvent }
  | { type: 'packImport/cancelling'; jobId: string }
  | { type: 'packImport/done'; event: PackImportDoneEvent }
  | { type: 'packImport/dismiss' };

export const initialPackImportState: PackImportState = { status: 'idle', jobId: null, sourceName: null, stage: null, fraction: 0, message: null, pack: null, packsVersion: 0 };

/** Whether an import is on its way (the menu item is off, Cancel shows). */
export function isImporting(s: PackImportState): boolean {
  return s.status === 'choosing' || s.status === 'running' || s.status === 'cancelling';
}

export function packImportReducer(state: PackImportState, action: PackImportAction): PackImportState {
  switch (action.type) {
    case 'packImport/choosing':
      if (isImporting(state)) return state;
      return { ...initialPackImportState, status: 'choosing', jobId: action.jobId, packsVersion: state.packsVersion };
    case 'packImport/started':
      if (state.jobId !== action.jobId || !isImporting(state)) return state;
      return { ...state, status: state.status === 'choosing' ? 'running' : state.status, sourceName: action.sourceName };
    case 'packImport/dialogClosed':
      if (state.jobId !== action.jobId || state.status !== 'choosing') return state;
      return { ...initialPackImportState, packsVersion: state.packsVersion };
    case 'packImport/progress': {
      const e = action.event;
      if (state.jobId !== e.jobId || !isImporting(state)) return state;
      return { ...state, status: state.status === 'cancelling' ? 'cancelling' : 'running', stage: e.stage, fraction: Math.min(1, Math.max(0, e.fraction)), message: e.message };
    }
    case 'packImport/cancelling':
      if (state.jobId !== action.jobId || state.status !== 'running') return state;
      return { ...state, status: 'cancelling' };
    case 'packImport/done': {
      const { jobId, result } = action.event;
      if (state.jobId !== jobId || !isImporting(state)) return state;
      if (result.ok) return { ...state, status: 'done', fraction: 1, pack: result.value, packsVersion: state.packsVersion + 1 };
      if (result.error.code === 'cancelled') return { ...state, status: 'cancelled', message: result.error.message };
      return { ...initialPackImportState, packsVersion: state.packsVersion };
    }
    case 'packImport/dismiss':
      if (isImporting(state)) return state;
      return { ...initialPackImportState, packsVersion: state.packsVersion };
    default:
      return state;
  }
}
