/**
 * How components reach the store, the controller and the canvas editor: one React
 * context, created once in main.tsx. Components subscribe to just the slice they draw.
 */
import { createContext, useContext, useSyncExternalStore } from 'react';
import type { Editor } from '../canvas/editor';
import type { AppAction, AppState } from '../state/appState';
import type { Store } from '../state/store';
import type { BatchRuns } from './batchRuns';
import type { AppController } from './controller';
import type { PhotoSessions } from './photoSessions';

export interface AppServices {
  store: Store<AppState, AppAction>;
  controller: AppController;
  editor: Editor;
  /** "Batch…": the batch list, its runs and their events (batchRuns.ts). */
  batch: BatchRuns;
  /** The open photos' sessions (tabs, saving, restoring); absent in tests that do not need them. */
  sessions?: PhotoSessions;
}

export const AppContext = createContext<AppServices | null>(null);

export function useServices(): AppServices {
  const services = useContext(AppContext);
  if (!services) throw new Error('useServices() must be used inside <AppContext.Provider>.');
  return services;
}

/**
 * Reads a slice of the state and re-renders when it changes. The selector must return
 * a primitive or an object already in the state (not a new object per call).
 */
export function useAppState<T>(selector: (state: AppState) => T): T {
  const { store } = useServices();
  return useSyncExternalStore(store.subscribe, () => selector(store.getState()));
}
