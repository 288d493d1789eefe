/**
 * Window-wide input: keyboard shortcuts (keymap.ts), files dragged from the OS, and
 * pasted images. Installed once by App.
 */
import { useEffect } from 'react';
import { isFileDrag, looksLikeImage } from '../io/droppedFiles';
import type { AppServices } from './appContext';
import type { Command } from './keymap';
import { commandForKey } from './keymap';
import { isTextField, listenOnWindow } from './windowEvents';

function run(services: AppServices, command: Command): void {
  const { store, controller, editor } = services;
  switch (command) {
    case 'open':
      void controller.openDialog();
      return;
    case 'zoomIn':
      store.dispatch({ type: 'view/zoomStep', direction: 'in' });
      return;
    case 'zoomOut':
      store.dispatch({ type: 'view/zoomStep', direction: 'out' });
      return;
    case 'fit':
      store.dispatch({ type: 'view/fit' });
      return;
    case 'actual':
      store.dispatch({ type: 'view/actual' });
      return;
    case 'cancel':
      editor.cancel();
      return;
  }
}

export function useWindowInput(services: AppServices): void {
  useEffect(() => {
    const { store, controller } = services;

    const onKeyDown = (e: KeyboardEvent) => {
      const command = commandForKey({
        key: e.key,
        ctrlKey: e.ctrlKey,
        metaKey: e.metaKey,
        altKey: e.altKey,
        inTextField: isTextField(e.target),
      });
      if (!command) return;
      e.preventDefault();
      if (command === 'open' && e.repeat) return;
      run(services, command);
    };

    const onDragEnter = (e: DragEvent) => {
      if (!isFileDrag(e.dataTransfer ? [...e.dataTransfer.types] : null)) return;
      e.preventDefault();
      store.dispatch({ type: 'drag/entered' });
    };
    const onDragOver = (e: DragEvent) => {
      if (!isFileDrag(e.dataTransfer ? [...e.dataTransfer.types] : null)) return;
      e.preventDefault(); // allows the drop
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const onDragLeave = (e: DragEvent) => {
      if (!isFileDrag(e.dataTransfer ? [...e.dataTransfer.types] : null)) return;
      // Browsers fire the next element's dragenter before this one's dragleave, so the
      // count only reaches 0 when the drag has left the window.
      store.dispatch({ type: 'drag/left' });
    };
    const onDrop = (e: DragEvent) => {
      // Never let the window navigate to a dropped file.
      e.preventDefault();
      store.dispatch({ type: 'drag/ended' });
      const files = e.dataTransfer ? [...e.dataTransfer.files] : [];
      // Onto the open batch dialog, or several photos at once: they go on the batch list.
      if (store.getState().studio.dialog === 'batch' || files.filter(looksLikeImage).length > 1) {
        store.dispatch({ type: 'dialog/open', dialog: 'batch' });
        if (files.length > 0) void services.batch.addFiles(files);
        return;
      }
      if (files.length > 0 || isFileDrag(e.dataTransfer ? [...e.dataTransfer.types] : null)) void controller.openFiles(files);
    };

    const onPaste = (e: ClipboardEvent) => {
      if (isTextField(e.target)) return;
      const files = e.clipboardData ? [...e.clipboardData.files] : [];
      if (files.length === 0) return;
      e.preventDefault();
      void controller.openFiles(files);
    };

    return listenOnWindow({ keydown: onKeyDown, dragenter: onDragEnter, dragover: onDragOver, dragleave: onDragLeave, drop: onDrop, paste: onPaste });
  }, [services]);
}
