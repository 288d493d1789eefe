/** Installs the run workspace's keyboard shortcuts (studioKeys.ts) on the window. */
import { useEffect } from 'react';
import type { AppServices } from './appContext';
import { currentEntry } from '../state/historyResults';
import type { RunController } from './runController';
import { isFlipRelease, studioCommandForKey } from './studioKeys';
import { isTextField, listenOnWindow } from './windowEvents';

export function useStudioKeys(services: AppServices, run: RunController): void {
  useEffect(() => {
    const { store } = services;
    const onKeyDown = (e: KeyboardEvent) => {
      const command = studioCommandForKey({
        key: e.key,
        ctrlKey: e.ctrlKey,
        metaKey: e.metaKey,
        altKey: e.altKey,
        shiftKey: e.shiftKey,
        repeat: e.repeat,
        inTextField: isTextField(e.target),
      });
      if (!command) return;
      const studio = store.getState().studio;
      // With a dialog open only Ctrl+Enter reaches through (the dialog handles Escape).
      if (studio.dialog !== null && command !== 'run') return;
      switch (command) {
        case 'run':
          e.preventDefault();
          void run.run();
          return;
        case 'cancelRun':
          if (studio.job.status !== 'idle') void run.cancel();
          return; // the canvas tool's own Escape still runs
        case 'compareToggle':
          // Nothing to compare until there is a result for this photo.
          if (currentEntry(studio.history, store.getState().image?.id ?? null)) store.dispatch({ type: 'compare/toggle' });
          return;
        case 'flipDown':
          e.preventDefault();
          store.dispatch({ type: 'compare/flip', flipped: true });
          return;
        case 'export':
          e.preventDefault();
          store.dispatch({ type: 'dialog/open', dialog: 'export' });
          return;
        case 'sweep':
          e.preventDefault();
          store.dispatch({ type: 'dialog/open', dialog: 'sweep' });
          return;
        case 'help':
          e.preventDefault();
          store.dispatch({ type: 'dialog/open', dialog: 'help' });
          return;
      }
    };
    const onKeyUp = (e: KeyboardEvent) => {
      if (isFlipRelease(e.key)) store.dispatch({ type: 'compare/flip', flipped: false });
    };
    // A key released outside the window never sends keyup.
    const onBlur = () => store.dispatch({ type: 'compare/flip', flipped: false });
    return listenOnWindow({ keydown: onKeyDown, keyup: onKeyUp, blur: onBlur });
  }, [services, run]);
}
