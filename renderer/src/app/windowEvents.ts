/** Small helpers for the hooks that listen on the whole window (shortcuts, drops, paste). */

/** True when keys typed at `target` are text (a text input, textarea, select, contentEditable), so shortcuts stay out. */
export function isTextField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && !['button', 'checkbox', 'radio', 'range', 'color', 'file', 'submit', 'reset'].includes(target.type);
}

export type WindowListeners = { [K in keyof WindowEventMap]?: (e: WindowEventMap[K]) => void };

/** Adds each listener to `window`, in order; returns the function that removes them all (an effect's cleanup). */
export function listenOnWindow(listeners: WindowListeners): () => void {
  const entries = Object.entries(listeners) as [keyof WindowEventMap, EventListener][];
  for (const [type, listener] of entries) window.addEventListener(type, listener);
  return () => {
    for (const [type, listener] of entries) window.removeEventListener(type, listener);
  };
}
