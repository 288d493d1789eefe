/**
 * Undo/redo stacks, generic over what a step holds. Pure: every function returns a new
 * History and never mutates its input.
 *
 * A step is one user action (a stroke, a rename, a delete). Steps with the same
 * `coalesce` key that follow one another merge into one (typing a name letter by
 * letter is one undo). The stacks are bounded by step count and by bytes, so a long
 * painting session cannot grow memory without limit; the oldest steps go first.
 */

export interface Step<E> {
  /** Shown in the Undo button's tooltip, e.g. "Brush stroke". */
  label: string;
  edits: readonly E[];
  /** Consecutive steps with the same key merge (their edits concatenate). */
  coalesce?: string;
  /** What the step keeps alive, for the byte budget. */
  bytes: number;
}

export interface History<E> {
  undo: readonly Step<E>[];
  redo: readonly Step<E>[];
}

export const MAX_STEPS = 200;
/** Undo memory budget (dirty-rect patches and deleted regions' masks). */
export const MAX_BYTES = 256 * 1024 * 1024;

export function emptyHistory<E>(): History<E> {
  return { undo: [], redo: [] };
}

function totalBytes<E>(steps: readonly Step<E>[]): number {
  return steps.reduce((sum, s) => sum + s.bytes, 0);
}

/** Drops the oldest steps until the stack fits the limits (the newest step always stays). */
function trim<E>(steps: Step<E>[], maxSteps: number, maxBytes: number): Step<E>[] {
  let start = Math.max(0, steps.length - maxSteps);
  let bytes = totalBytes(steps.slice(start));
  while (start < steps.length - 1 && bytes > maxBytes) {
    bytes -= steps[start]!.bytes;
    start += 1;
  }
  return start === 0 ? steps : steps.slice(start);
}

/** Records a new step: clears the redo stack, merges with the previous step when their coalesce keys match. */
export function pushStep<E>(history: History<E>, step: Step<E>, maxSteps = MAX_STEPS, maxBytes = MAX_BYTES): History<E> {
  const top = history.undo[history.undo.length - 1];
  if (step.coalesce !== undefined && top?.coalesce === step.coalesce && history.redo.length === 0) {
    const merged: Step<E> = { ...top, edits: [...top.edits, ...step.edits], bytes: top.bytes + step.bytes };
    return { undo: [...history.undo.slice(0, -1), merged], redo: [] };
  }
  return { undo: trim([...history.undo, step], maxSteps, maxBytes), redo: [] };
}

/** The step to undo and the history after it, or null when there is nothing to undo. */
export function popUndo<E>(history: History<E>): { step: Step<E>; history: History<E> } | null {
  const step = history.undo[history.undo.length - 1];
  if (!step) return null;
  // An undone step never merges with the next edit.
  const { coalesce: _dropped, ...plain } = step;
  void _dropped;
  return { step, history: { undo: history.undo.slice(0, -1), redo: [...history.redo, plain] } };
}

/** The step to redo and the history after it, or null when there is nothing to redo. */
export function popRedo<E>(history: History<E>): { step: Step<E>; history: History<E> } | null {
  const step = history.redo[history.redo.length - 1];
  if (!step) return null;
  return { step, history: { undo: [...history.undo, step], redo: history.redo.slice(0, -1) } };
}
