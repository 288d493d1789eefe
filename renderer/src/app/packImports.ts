/**
 * "Import Stable Diffusion model…": asks main to import (main shows the file or folder dialog and
 * picks where the pack goes; the renderer sends only the choices), follows the import's events and
 * cancels it. What it learns goes into the store (state/packImport.ts); main's errors go to the
 * banner as they are, a cancelled import is no error.
 *
 *   importModel  packImport/choosing (the id named here) -> packs.importModel -> started | dialogClosed
 *   events       spire:packs:import-progress / -done of that id -> packImport/progress / done
 *   cancel       packImport/cancelling -> packs.cancelImport
 */
import type { IpcError, PackImportRequest, SpireApi } from '../../../preload/contract/channels';
import type { AppAction, AppState } from '../state/appState';
import { isImporting } from '../state/packImport';
import type { Store } from '../state/store';
import { NO_BRIDGE, ipcFailure, shown } from './runFailures';

export type ImportChoice = Omit<PackImportRequest, 'jobId'>;

export interface PackImports {
  /** Subscribes to the import events; returns the cleanup. */
  listen(): () => void;
  importModel(choice: ImportChoice): Promise<void>;
  cancel(): Promise<void>;
  dismiss(): void;
}

export function createPackImports(store: Store<AppState, AppAction>, api: SpireApi | undefined, newJobId: () => string): PackImports {
  const dispatch = (action: AppAction) => store.dispatch(action);
  const state = () => store.getState().studio.packImport;
  const fail = (error: IpcError) => dispatch(shown(error));

  return {
    listen() {
      if (!api) return () => undefined;
      const offProgress = api.packs.onImportProgress((event) => dispatch({ type: 'packImport/progress', event }));
      const offDone = api.packs.onImportDone((event) => {
        const ours = state().jobId === event.jobId && isImporting(state());
        dispatch({ type: 'packImport/done', event });
        if (ours && !event.result.ok && event.result.error.code !== 'cancelled') fail(event.result.error);
      });
      return () => {
        offProgress();
        offDone();
      };
    },

    async importModel(choice) {
      if (!api) return fail(NO_BRIDGE);
      if (isImporting(state())) return;
      const jobId = newJobId();
      dispatch({ type: 'packImport/choosing', jobId });
      try {
        const r = await api.packs.importModel({ jobId, ...choice });
        if (!r.ok) {
          dispatch({ type: 'packImport/dialogClosed', jobId });
          return fail(r.error);
        }
        if (r.value === null) dispatch({ type: 'packImport/dialogClosed', jobId });
        else dispatch({ type: 'packImport/started', jobId, sourceName: r.value.sourceName });
      } catch (err) {
        dispatch({ type: 'packImport/dialogClosed', jobId });
        fail(ipcFailure('Importing the model', err));
      }
    },

    async cancel() {
      const { status, jobId } = state();
      if (status !== 'running' || jobId === null || !api) return;
      dispatch({ type: 'packImport/cancelling', jobId });
      try {
        const r = await api.packs.cancelImport(jobId);
        if (!r.ok) fail(r.error);
      } catch (err) {
        fail(ipcFailure('Cancelling the import', err));
      }
    },

    dismiss: () => dispatch({ type: 'packImport/dismiss' }),
  };
}
