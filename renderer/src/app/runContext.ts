/**
 * How the run workspace's components reach the run controller: a React context that
 * App provides (the controller is made once per store).
 */
import { createContext, useContext } from 'react';
import type { RunWorkspaceState } from '../state/runWorkspace';
import { useAppState } from './appContext';
import type { RunController } from './runController';

export const RunContext = createContext<RunController | null>(null);

export function useRunController(): RunController {
  const run = useContext(RunContext);
  if (!run) throw new Error('useRunController() must be used inside <RunContext.Provider>.');
  return run;
}

/** A slice of the run workspace; the selector must return something already in the state. */
export function useStudio<T>(selector: (studio: RunWorkspaceState) => T): T {
  return useAppState((s) => selector(s.studio));
}
