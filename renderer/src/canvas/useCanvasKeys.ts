/** Installs the masking shortcuts (canvasKeys.ts) and Space-to-pan on the window. Mounted by the tool palette. */
import { useEffect } from 'react';
import type { AppServices } from '../app/appContext';
import type { ToolId } from '../state/regions';
import { canvasCommandForKey, stepBrushSize } from './canvasKeys';
import { isTextField, listenOnWindow } from '../app/windowEvents';

export function useCanvasKeys({ store, editor }: Pick<AppServices, 'store' | 'editor'>): void {
  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent) => {
      // Space held pans with any tool (not while typing, and not when Space would press a focused button).
      if (e.key === ' ' && !e.ctrlKey && !e.metaKey && !e.altKey && !isTextField(e.target) && !(e.target instanceof HTMLButtonElement)) {
        e.preventDefault();
        if (!e.repeat) editor.holdPan(true);
        return;
      }
      const command = canvasCommandForKey({
        key: e.key,
        ctrlKey: e.ctrlKey,
        metaKey: e.metaKey,
        altKey: e.altKey,
        shiftKey: e.shiftKey,
        inTextField: isTextField(e.target),
      });
      if (!command) return;
      const state = store.getState();
      // Canvas shortcuts wait while a dialog is open (the run workspace's `studio.dialog`, when present).
      if ((state as { studio?: { dialog?: unknown } }).studio?.dialog) return;
      if (!state.image) return;
      e.preventDefault();
      if (command === 'undo') editor.undo();
      else if (command === 'redo') editor.redo();
      else if (command === 'brushSmaller' || command === 'brushBigger') {
        const size = stepBrushSize(state.regions.brush.size, command === 'brushBigger' ? 1 : -1);
        store.dispatch({ type: 'regions/brush', brush: { size } });
      } else editor.setTool(command.slice('tool:'.length) as ToolId);
    };
    const onKeyUp = (e: KeyboardEvent) => {
      if (e.key === ' ') editor.holdPan(false);
    };
    // Space released while the window was elsewhere never arrives: let go on blur.
    const onBlur = () => editor.holdPan(false);
    return listenOnWindow({ keydown: onKeyDown, keyup: onKeyUp, blur: onBlur });
  }, [store, editor]);
}
