/**
 * A photo's session as main saves it (main/services/sessionStore.ts), and back. Pure.
 *
 *   snapshotOf(slices)  -> { state: JSON text, masks, resultIds }
 *   restoredFrom(saved) -> RestoredSession (sessions.ts), or null when the text is not one
 *
 * What is saved: the semantic and restoration prompts, the estimate (so a reopened photo is not read
 * again, and an edited prompt stays edited), the photo's run settings (not the window's: pack,
 * provider), the history (each entry whole, minus what only lives in this window: the bitmapCache
 * key, the thumbnail URL and the image id; so fields added to HistoryEntry later carry over), which
 * entry is current, compare's mode, and the regions (metadata here, masks as bytes beside it).
 * Not saved: the run in progress, the sweep grid, the regions' undo steps.
 *
 * The text comes back untrusted (an older version, a hand edit): every part that does not read is
 * left at its default, nothing throws.
 */
import type { RestoredImage, SavedSession, SessionMaskWire } from '../../../preload/contract/channels';
import type { ImageDoc } from './appState';
import type { CompareState } from './compare';
import { initialCompareState } from './compare';
import type { HistoryEntry, HistoryState } from './historyResults';
import { initialEstimateState, type EstimateState } from './promptEstimate';
import { initialPromptState, promptReducer } from './promptBuilder';
import { maskSizeFor } from '../canvas/raster';
import type { Region, RegionsState } from './regions';
import { initialRegionRestoration } from './regions';
import type { PhotoSlices, RestoredSession } from './sessions';
import { GLOBAL_SETTING_KEYS } from './sessions';

export const SESSION_VERSION = 1;

export interface SessionSnapshot {
  state: string;
  masks: SessionMaskWire[];
  resultIds: string[];
}

/** History entry fields that belong to this window only. */
const LOCAL_ENTRY_KEYS = ['resultKey', 'thumbnailUrl', 'imageId'] as const;

export function snapshotOf(slices: PhotoSlices): SessionSnapshot {
  const { prompt, estimate, settings, history, compare } = slices.studio;
  const entries = history.entries.map((e) => Object.fromEntries(Object.entries(e).filter(([k]) => !(LOCAL_ENTRY_KEYS as readonly string[]).includes(k))));
  const photoSettings = Object.fromEntries(Object.entries(settings).filter(([k]) => !(GLOBAL_SETTING_KEYS as readonly string[]).includes(k)));
  const { items, activeId, nextId } = slices.regions;
  const state = {
    version: SESSION_VERSION,
    prompt: { semantic: prompt.semantic, restorationText: prompt.restorationText },
    // An answer still on its way is asked again when the photo is reopened.
    estimate: estimate.status === 'reading' ? null : { packDir: estimate.packDir, status: estimate.status, estimate: estimate.estimate, editedSinceAsked: estimate.editedSinceAsked, error: estimate.error },
    settings: photoSettings,
    history: { entries, currentId: history.currentId },
    compare: { on: compare.on, mode: compare.mode, wipe: compare.wipe, baseId: compare.baseId },
    regions: { items: items.map(({ mask: _mask, ...meta }) => meta), activeId, nextId },
  };
  return {
    state: JSON.stringify(state),
    masks: items.map((r) => ({ regionId: r.id, width: r.mask.width, height: r.mask.height, data: r.mask.data })),
    resultIds: history.entries.map((e) => e.id),
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const str = (v: unknown, fallback: string): string => (typeof v === 'string' ? v : fallback);

function estimateFrom(raw: unknown, imageId: string): EstimateState {
  if (!isRecord(raw)) return initialEstimateState;
  const status = raw.status;
  if (status !== 'ready' && status !== 'failed' && status !== 'unavailable') return initialEstimateState;
  if (status === 'ready' && !isRecord(raw.estimate)) return initialEstimateState;
  return {
    imageId,
    packDir: typeof raw.packDir === 'string' ? raw.packDir : null,
    status,
    estimate: status === 'ready' ? (raw.estimate as unknown as EstimateState['estimate']) : null,
    editedSinceAsked: raw.editedSinceAsked === true,
    error: typeof raw.error === 'string' ? raw.error : null,
  };
}

/** Saved entries whose result came back, each given its new window-local parts by `local`. */
function historyFrom(raw: unknown, results: ReadonlyMap<string, { resultKey: string; image: RestoredImage }>, imageId: string): HistoryState {
  if (!isRecord(raw) || !Array.isArray(raw.entries)) return { entries: [], currentId: null };
  const entries: HistoryEntry[] = [];
  for (const e of raw.entries) {
    if (!isRecord(e) || typeof e.id !== 'string') continue;
    const result = results.get(e.id);
    if (!result) continue;
    entries.push({ ...(e as unknown as HistoryEntry), imageId, resultKey: result.resultKey, thumbnailUrl: null, width: result.image.width, height: result.image.height });
  }
  const currentId = typeof raw.currentId === 'string' && entries.some((e) => e.id === raw.currentId) ? raw.currentId : null;
  return { entries, currentId };
}

function compareFrom(raw: unknown): CompareState {
  if (!isRecord(raw)) return initialCompareState;
  const mode = raw.mode === 'result' || raw.mode === 'side' || raw.mode === 'wipe' ? raw.mode : initialCompareState.mode;
  const wipe = typeof raw.wipe === 'number' && raw.wipe >= 0 && raw.wipe <= 1 ? raw.wipe : initialCompareState.wipe;
  // A before side that is no longer in the history reads as the original (CompareView).
  const baseId = typeof raw.baseId === 'string' ? raw.baseId : null;
  return { on: raw.on === true, mode, wipe, flipped: false, baseId };
}

/** The saved regions with their masks; a mask that does not fit this photo's mask size comes back empty. */
function regionsFrom(raw: unknown, masks: readonly SessionMaskWire[], image: Pick<ImageDoc, 'width' | 'height'>): Pick<RegionsState, 'items' | 'activeId' | 'nextId'> {
  if (!isRecord(raw) || !Array.isArray(raw.items)) return { items: [], activeId: null, nextId: 1 };
  const size = maskSizeFor(image);
  const items: Region[] = [];
  for (const r of raw.items) {
    if (!isRecord(r) || typeof r.id !== 'string' || items.some((i) => i.id === r.id)) continue;
    const saved = masks.find((m) => m.regionId === r.id);
    const fits = saved && saved.width === size.width && saved.height === size.height;
    items.push({
      ...(r as unknown as Region),
      name: str(r.name, r.id),
      prompt: str(r.prompt, ''),
      visible: r.visible !== false,
      feather: typeof r.feather === 'number' && r.feather >= 0 ? r.feather : 0,
      restoration:
        isRecord(r.restoration) && ['follow', 'prompt', 'keep'].includes(String(r.restoration.mode)) && typeof r.restoration.restorationText === 'string'
          ? { ...initialRegionRestoration(), ...(r.restoration as unknown as Region['restoration']) }
          : initialRegionRestoration(),
      mask: { width: size.width, height: size.height, data: fits ? new Uint8Array(saved.data) : new Uint8Array(size.width * size.height) },
    });
  }
  const activeId = typeof raw.activeId === 'string' && items.some((i) => i.id === raw.activeId) ? raw.activeId : (items[0]?.id ?? null);
  const nextId = typeof raw.nextId === 'number' && Number.isInteger(raw.nextId) && raw.nextId > 0 ? raw.nextId : items.length + 1;
  return { items, activeId, nextId };
}

/**
 * The session main saved, for the photo just opened as `image`; `results` maps each result that came back
 * (and decoded) to its bitmapCache key. Null when the text is not a session of this version.
 */
export function restoredFrom(saved: Pick<SavedSession, 'state' | 'masks'>, image: Pick<ImageDoc, 'id' | 'width' | 'height'>, results: ReadonlyMap<string, { resultKey: string; image: RestoredImage }>): RestoredSession | null {
  let raw: unknown;
  try {
    raw = JSON.parse(saved.state);
  } catch {
    return null;
  }
  if (!isRecord(raw) || raw.version !== SESSION_VERSION) return null;
  const p = isRecord(raw.prompt) ? raw.prompt : {};
  const initial = initialPromptState();
  const prompt = promptReducer(initial, { type: 'prompt/load', semantic: str(p.semantic, initial.semantic), restorationText: str(p.restorationText, initial.restorationText) });
  return {
    prompt,
    estimate: estimateFrom(raw.estimate, image.id),
    settings: isRecord(raw.settings) ? raw.settings : {},
    history: historyFrom(raw.history, results, image.id),
    compare: compareFrom(raw.compare),
    regions: regionsFrom(raw.regions, saved.masks, image),
  };
}
