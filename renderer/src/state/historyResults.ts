/**
 * The history of results: one entry per finished run (thumbnail, prompts, seed, time),
 * newest first, to revisit, pin or delete. Pure. The result's pixels live in
 * bitmapCache under `resultKey` and its thumbnail is an object URL; the run
 * controller frees both (and asks main to discard the result) when an entry leaves
 * (see `evicted`).
 */
import type { RegionRestoration } from '../../../common/regions';
import { describeRegionRestoration } from '../../../common/regions';
import { RESTORATION_GRAMMAR } from '../../../common/restorationPrompt';

export interface HistoryEntry {
  /** Main's resultId: unique per result, names it for export and discard. */
  id: string;
  /** The image this result was made from (entries of other images stay but are not shown). */
  imageId: string;
  /** Key of the decoded result in bitmapCache. */
  resultKey: string;
  /** Object URL of a small PNG for the strip (null until made). */
  thumbnailUrl: string | null;
  width: number;
  height: number;
  semanticPrompt: string;
  /** The restoration prompt the run used (for `auto`, the clauses the estimator wrote). */
  restorationPrompt: string;
  /**
   * The estimate that prompt came from (its text; "" for a photo it found clean), or null when the user
   * wrote the prompt: the engine estimated (`auto`, the blind prompt in faithful mode), or the run's
   * prompt was the photo's estimate unchanged (RestoredImage.estimate).
   */
  estimatedPrompt: string | null;
  /** The region prompts the run used, in the order sent (the later wins where regions overlap). */
  regionPrompts: string[];
  /** Each region's own restoration, by the index of `regionPrompts` (null: it followed the photo's); absent: all followed it. */
  regionRestorations?: (RegionRestoration | null)[];
  seed: number;
  /** Denoising steps the run took; 0 = the restorer alone. */
  steps: number;
  /** Wall time of the run, ms. */
  elapsedMs: number;
  /** When it finished (Date.now()). */
  finishedAt: number;
  pinned: boolean;
  /** Set when the entry came from a sweep. */
  sweepId: string | null;
  /** The user's name for it (renamed in the strip); absent: the run in words (runLabel.ts). */
  name?: string;
  /** The strength the run used (RestoreParams.strength); absent on entries made before it was kept. */
  strength?: number;
  /** The restoration prompt as it was asked for (`auto`, or the text the user ran); absent on older entries. */
  requestedPrompt?: string;
}

export interface HistoryState {
  /** Newest first. */
  entries: readonly HistoryEntry[];
  /** The entry shown as the result, or null. */
  currentId: string | null;
}

/** Unpinned entries beyond this many are dropped, oldest first (never the current one). */
export const HISTORY_LIMIT = 40;

/** Longest name an entry keeps (characters). */
export const HISTORY_NAME_CHARS = 80;

export const initialHistoryState: HistoryState = { entries: [], currentId: null };

export type HistoryAction =
  | { type: 'history/added'; entry: HistoryEntry; makeCurrent: boolean }
  | { type: 'history/thumbnail'; id: string; url: string }
  | { type: 'history/select'; id: string | null }
  | { type: 'history/pin'; id: string; pinned: boolean }
  /** A name for the entry; "" (or only spaces) goes back to the run in words. */
  | { type: 'history/rename'; id: string; name: string }
  | { type: 'history/delete'; id: string };

/** Entries of `imageId` in strip order (pinned first, then newest first). */
export function entriesForImage(state: HistoryState, imageId: string | null): HistoryEntry[] {
  if (imageId === null) return [];
  const mine = state.entries.filter((e) => e.imageId === imageId);
  return [...mine.filter((e) => e.pinned), ...mine.filter((e) => !e.pinned)];
}

/** The current entry when it belongs to `imageId`. */
export function currentEntry(state: HistoryState, imageId: string | null): HistoryEntry | null {
  if (state.currentId === null || imageId === null) return null;
  const entry = state.entries.find((e) => e.id === state.currentId);
  return entry && entry.imageId === imageId ? entry : null;
}

/** Drops the oldest unpinned entries beyond the limit, never the current one. */
function trim(entries: readonly HistoryEntry[], currentId: string | null, limit: number): HistoryEntry[] {
  const kept: HistoryEntry[] = [];
  let unpinned = 0;
  for (const e of entries) {
    if (e.pinned) kept.push(e);
    else if (unpinned < limit || e.id === currentId) {
      kept.push(e);
      unpinned += 1;
    }
  }
  return kept;
}

export function historyReducer(state: HistoryState, action: HistoryAction, limit = HISTORY_LIMIT): HistoryState {
  switch (action.type) {
    case 'history/added': {
      const currentId = action.makeCurrent ? action.entry.id : state.currentId;
      const entries = trim([action.entry, ...state.entries.filter((e) => e.id !== action.entry.id)], currentId, limit);
      return { entries, currentId };
    }
    case 'history/thumbnail':
      if (!state.entries.some((e) => e.id === action.id)) return state;
      return { ...state, entries: state.entries.map((e) => (e.id === action.id ? { ...e, thumbnailUrl: action.url } : e)) };
    case 'history/select':
      if (action.id !== null && !state.entries.some((e) => e.id === action.id)) return state;
      return state.currentId === action.id ? state : { ...state, currentId: action.id };
    case 'history/pin':
      if (!state.entries.some((e) => e.id === action.id && e.pinned !== action.pinned)) return state;
      return { ...state, entries: state.entries.map((e) => (e.id === action.id ? { ...e, pinned: action.pinned } : e)) };
    case 'history/rename': {
      const name = action.name.trim().replace(/\s+/g, ' ').slice(0, HISTORY_NAME_CHARS);
      const target = state.entries.find((e) => e.id === action.id);
      if (!target || (target.name ?? '') === name) return state;
      return {
        ...state,
        entries: state.entries.map((e) => {
          if (e.id !== action.id) return e;
          if (name) return { ...e, name };
          const { name: _dropped, ...rest } = e;
          return rest;
        }),
      };
    }
    case 'history/delete': {
      const index = state.entries.findIndex((e) => e.id === action.id);
      if (index < 0) return state;
      const gone = state.entries[index]!;
      const entries = state.entries.filter((e) => e.id !== action.id);
      if (state.currentId !== action.id) return { entries, currentId: state.currentId };
      // Deleting the result on screen shows the next older one of the same photo (else the newer one, else none).
      const sameImage = (e: HistoryEntry) => e.imageId === gone.imageId;
      const next = entries.slice(index).find(sameImage) ?? entries.slice(0, index).reverse().find(sameImage) ?? null;
      return { entries, currentId: next?.id ?? null };
    }
  }
}

/** Entries in `before` that are gone from `after` (their bitmaps and thumbnails can be freed). */
export function evicted(before: HistoryState, after: HistoryState): HistoryEntry[] {
  if (before.entries === after.entries) return [];
  const still = new Set(after.entries.map((e) => e.id));
  return before.entries.filter((e) => !still.has(e.id));
}

/** "12:04:31", local time, for the strip's label. */
export function formatClock(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/**
 * The restoration prompt a run used, and where it came from: `Denoise with sigma 0.04; (estimated from
 * the photo)`, `Remove all degradation (steered by the photo's estimate: Denoise with sigma 0.04;)`, or
 * the prompt as the user wrote it.
 */
export function usedPromptLabel(e: Pick<HistoryEntry, 'restorationPrompt' | 'estimatedPrompt'>): string {
  if (e.estimatedPrompt === null) return e.restorationPrompt || '(no restoration prompt)';
  if (e.restorationPrompt === RESTORATION_GRAMMAR.blindPrompt) return `${e.restorationPrompt} (steered by the photo's estimate: ${e.estimatedPrompt || 'clean'})`;
  return `${e.restorationPrompt || 'nothing to fix'} (estimated from the photo)`;
}

/** One region of a run in words: its semantic prompt, and its own restoration when it had one (`sky · Keep as is`). */
export function regionLabel(prompt: string, restoration: RegionRestoration | null | undefined): string {
  const own = describeRegionRestoration(restoration ?? undefined);
  if (own === null) return prompt;
  const restored = own === '' ? '(nothing to fix)' : own;
  return prompt ? `${prompt} · ${restored}` : restored;
}

/** A history item's tooltip: its prompts (the photo's, then every region's), then seed (diffusion runs), steps run, time and when it finished. */
export function entryTooltip(e: HistoryEntry): string {
  const steps = e.steps === 0 ? 'restorer only' : `${e.steps} step${e.steps === 1 ? '' : 's'}`;
  const regions = e.regionPrompts.map((prompt, i) => regionLabel(prompt, e.regionRestorations?.[i]));
  return [
    usedPromptLabel(e),
    ...(e.semanticPrompt ? [`“${e.semanticPrompt}”`] : []),
    ...(regions.length > 0 ? [`regions: ${regions.join(' | ')}`] : []),
    // The seed only when diffusion ran: the restorer alone does not draw noise.
    `${e.steps > 0 ? `seed ${e.seed} · ` : ''}${steps} · ${(e.elapsedMs / 1000).toFixed(1)} s · ${formatClock(e.finishedAt)}`,
    'Double-click to reuse these prompts and seed',
  ].join('\n');
}
