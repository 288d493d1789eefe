/**
 * Mask regions: the regions slice of the app state, its pure reducer, undo/redo, and
 * `regionsForRun`, which turns the regions into the masks a restore run sends.
 *
 * Who owns what (InvokeAI style): this slice owns every region and its mask; Konva only
 * draws them (CanvasView) and nothing is read back from it. A stroke in progress is a
 * light `draft` (its points) that the tool updates while the pointer moves; the mask
 * itself changes once, when the stroke ends (`regions/mask`), and that change is one
 * undo step.
 *
 * Masks: one byte of coverage per pixel (raster.ts), at the image's resolution, or
 * scaled down so the long side is at most MAX_MASK_SIDE (2048) px: a 24 MP photo gets a
 * ~4 MB mask per region instead of 24 MB. `maskScale` maps image pixels to mask pixels;
 * the run sends the mask at that size and main upsamples it to the image.
 *
 * Masks are immutable: an edit copies the mask, changes the copy, and records only the
 * dirty rectangle's bytes before and after (a patch) for undo. Region edits (add,
 * rename, prompt, restoration, visibility, feather, order, delete) record the regions'
 * metadata before and after; a deleted region's mask is kept by reference, not copied.
 *
 * A region's restoration (common/regions.ts): it follows the photo's restoration prompt,
 * has its own (the same builder as the photo's, promptBuilder.ts), or is Keep as is.
 * Regions stack like layers: where they overlap, the one higher in the list wins, so a
 * run sends them bottom first (the engine lets the later one win).
 *
 * Masks have one owner downstream: a run sends the painted coverage as it is and the
 * feather radius beside it; the engine feathers once. The overlay's feathered mask
 * (`featheredMask`) is only a preview of that.
 */
import type { Mask, PaintMode, PixelRect } from '../canvas/raster';
import {
  cloneMask,
  clearMask,
  createMask,
  drawStroke,
  featherMask,
  fillPolygon,
  fillRect,
  floodFill,
  invertMask,
  isEmptyMask,
  maskSizeFor,
  readRect,
  writeRect,
} from '../canvas/raster';
import type { Vec2 } from '../canvas/viewport';
import type { RegionRestoration } from '../../../common/regions';
import type { ControlEdit, RestorationField } from './promptBuilder';
import { defaultControls, withCanonicalText, withControlEdit, withTypedText } from './promptBuilder';
import type { History, Step } from './regionsHistory';
import { emptyHistory, popRedo, popUndo, pushStep } from './regionsHistory';

/** What a region's restoration is: the photo's prompt, its own, or Keep as is. */
export type RegionRestorationMode = 'follow' | 'prompt' | 'keep';

/** A region's restoration: the mode, and its own prompt's field (kept while another mode is chosen). */
export interface RegionRestorationState extends RestorationField {
  mode: RegionRestorationMode;
}

export type MaskToolId = 'brush' | 'eraser' | 'rect' | 'lasso' | 'fill';
export type ToolId = MaskToolId | 'pan';

export interface Region {
  id: string;
  name: string;
  /** The semantic prompt for this part of the picture, e.g. "a weathered wooden boat". */
  prompt: string;
  /** What the restoration does here: follow the photo's prompt, its own prompt, or Keep as is. */
  restoration: RegionRestorationState;
  /** CSS colour of the overlay, e.g. `#ff5a5a`. */
  colour: string;
  visible: boolean;
  /** Feather radius in image pixels (0: the engine's default edge, one latent cell). Previewed in the overlay; a run sends it as `featherPx`. */
  feather: number;
  mask: Mask;
}

export type RegionMeta = Omit<Region, 'mask'>;

/** A change to a region's restoration (the builder's edits, as for the photo's prompt). */
export type RegionRestorationChange =
  /** `startText`: the text a region's own prompt starts from when it has none yet (the photo's). */
  | { kind: 'mode'; mode: RegionRestorationMode; startText?: string }
  | { kind: 'text'; text: string }
  | { kind: 'control'; edit: ControlEdit }
  | { kind: 'canonicalise' };

/** A finished edit of the active region's mask, in image pixels. */
export type MaskOp =
  | { kind: 'stroke'; points: readonly Vec2[]; /** diameter */ size: number; hardness: number; mode: PaintMode }
  | { kind: 'rect'; a: Vec2; b: Vec2; mode: PaintMode }
  | { kind: 'lasso'; points: readonly Vec2[]; mode: PaintMode }
  | { kind: 'fill'; point: Vec2; mode: PaintMode }
  | { kind: 'clear' }
  | { kind: 'invert' };

/** What a tool is in the middle of drawing (image pixels); drawn over the masks, not in them. */
export type Draft =
  | { kind: 'stroke'; points: readonly Vec2[]; size: number; hardness: number; mode: PaintMode }
  | { kind: 'rect'; a: Vec2; b: Vec2; mode: PaintMode }
  | { kind: 'lasso'; points: readonly Vec2[]; mode: PaintMode };

export type RegionEdit =
  | { kind: 'mask'; regionId: string; rect: PixelRect; before: Uint8Array; after: Uint8Array }
  | {
      kind: 'meta';
      before: readonly RegionMeta[];
      after: readonly RegionMeta[];
      activeBefore: string | null;
      activeAfter: string | null;
      /** Masks of regions present on only one side (added or deleted), by id. */
      masks: Readonly<Record<string, Mask>>;
    };

export interface BrushSettings {
  /** Diameter in image pixels. */
  size: number;
  /** 0 (soft) .. 1 (hard). */
  hardness: number;
}

export interface RegionsState {
  /** Top of the list first; drawn with the first region on top. */
  items: readonly Region[];
  activeId: string | null;
  /** Numbers new region ids and names; never reused. */
  nextId: number;
  /** Mask pixels per image pixel (1, or less for photos over MAX_MASK_SIDE). */
  maskScale: number;
  /** The image size the masks belong to (0 x 0 with no image). */
  imageSize: { width: number; height: number };
  tool: ToolId;
  brush: BrushSettings;
  draft: Draft | null;
  /** Where the brush outline is drawn (image pixels), or null when the pointer is off the canvas. */
  hover: Vec2 | null;
  history: History<RegionEdit>;
}

export type RegionsAction =
  | { type: 'regions/add' }
  | { type: 'regions/select'; id: string }
  | { type: 'regions/update'; id: string; patch: Partial<Pick<RegionMeta, 'name' | 'prompt' | 'visible' | 'feather'>> }
  | { type: 'regions/restoration'; id: string; change: RegionRestorationChange }
  | { type: 'regions/move'; id: string; by: -1 | 1 }
  | { type: 'regions/delete'; id: string }
  | { type: 'regions/mask'; op: MaskOp }
  | { type: 'regions/draft'; draft: Draft | null }
  | { type: 'regions/hover'; point: Vec2 | null }
  | { type: 'regions/tool'; tool: ToolId }
  | { type: 'regions/brush'; brush: Partial<BrushSettings> }
  | { type: 'regions/undo' }
  | { type: 'regions/redo' };

export function isRegionsAction(action: { type: string }): action is RegionsAction {
  return action.type.startsWith('regions/');
}

export const REGION_COLOURS = ['#ff5a5a', '#4cc9f0', '#ffd166', '#8ac926', '#c77dff', '#ff9f1c', '#2ec4b6', '#f15bb5'] as const;
export const BRUSH_SIZE_RANGE = { min: 1, max: 500 } as const;
export const FEATHER_MAX = 200;
/** Regions a run may carry: preload/contract/schemas.ts MAX_REGIONS (not imported: it brings zod into the renderer). */
export const MAX_REGIONS = 16;

export const initialRegionsState: RegionsState = {
  items: [],
  activeId: null,
  nextId: 1,
  maskScale: 1,
  imageSize: { width: 0, height: 0 },
  tool: 'pan',
  brush: { size: 40, hardness: 0.8 },
  draft: null,
  hover: null,
  history: emptyHistory<RegionEdit>(),
};

/** A new image: its regions start empty (masks belong to one image). Tool and brush carry over. */
export function regionsForImage(state: RegionsState, image: { width: number; height: number }): RegionsState {
  const { scale } = maskSizeFor(image);
  return {
    ...initialRegionsState,
    tool: state.tool,
    brush: state.brush,
    maskScale: scale,
    imageSize: { width: image.width, height: image.height },
  };
}

// --- helpers ----------------------------------------------------------------------------

function meta(region: Region): RegionMeta {
  const { mask: _mask, ...rest } = region;
  void _mask;
  return rest;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

function hasImage(state: RegionsState): boolean {
  return state.imageSize.width > 0 && state.imageSize.height > 0;
}

/** A new region's restoration: it follows the photo's prompt; its own starts empty. */
export function initialRegionRestoration(): RegionRestorationState {
  return { mode: 'follow', restorationText: '', controls: defaultControls(), error: null };
}

function newRegion(state: RegionsState): Region {
  const n = state.nextId;
  const size = maskSizeFor(state.imageSize);
  return {
    id: `r${n}`,
    name: `Region ${n}`,
    prompt: '',
    restoration: initialRegionRestoration(),
    colour: REGION_COLOURS[(n - 1) % REGION_COLOURS.length]!,
    visible: true,
    feather: 0,
    mask: createMask(size.width, size.height),
  };
}

/** A metadata edit from the current items to `items` (with the active region before and after). */
function metaEdit(state: RegionsState, items: readonly Region[], activeAfter: string | null): RegionEdit {
  const beforeIds = new Set(state.items.map((r) => r.id));
  const afterIds = new Set(items.map((r) => r.id));
  const masks: Record<string, Mask> = {};
  for (const r of state.items) if (!afterIds.has(r.id)) masks[r.id] = r.mask;
  for (const r of items) if (!beforeIds.has(r.id)) masks[r.id] = r.mask;
  return { kind: 'meta', before: state.items.map(meta), after: items.map(meta), activeBefore: state.activeId, activeAfter, masks };
}

function editBytes(edit: RegionEdit): number {
  if (edit.kind === 'mask') return edit.before.length + edit.after.length;
  return Object.values(edit.masks).reduce((sum, m) => sum + m.data.length, 0) + 256 * (edit.before.length + edit.after.length);
}

function step(label: string, edits: RegionEdit[], coalesce?: string): Step<RegionEdit> {
  return { label, edits, bytes: edits.reduce((sum, e) => sum + editBytes(e), 0), ...(coalesce ? { coalesce } : {}) };
}

/** Applies one edit forwards (`after`) or backwards (`before`). */
function applyEdit(state: RegionsState, edit: RegionEdit, direction: 'before' | 'after'): RegionsState {
  if (edit.kind === 'mask') {
    const items = state.items.map((r) => {
      if (r.id !== edit.regionId) return r;
      const mask = cloneMask(r.mask);
      writeRect(mask, edit.rect, edit[direction]);
      return { ...r, mask };
    });
    return { ...state, items };
  }
  const current = new Map(state.items.map((r) => [r.id, r.mask]));
  const target = edit[direction];
  const items = target.map((m) => {
    const mask = current.get(m.id) ?? edit.masks[m.id];
    if (!mask) throw new Error(`Undo history has no mask for region ${m.id}.`);
    return { ...m, mask };
  });
  return { ...state, items, activeId: direction === 'after' ? edit.activeAfter : edit.activeBefore };
}

function record(state: RegionsState, next: RegionsState, label: string, edits: RegionEdit[], coalesce?: string): RegionsState {
  return { ...next, history: pushStep(state.history, step(label, edits, coalesce)) };
}

/** Rasterises an op (image pixels) into a copy of the mask; returns the copy and the dirty rect. */
function rasterise(mask: Mask, op: MaskOp, scale: number): { mask: Mask; dirty: PixelRect | null } {
  const out = cloneMask(mask);
  const s = (p: Vec2): Vec2 => ({ x: p.x * scale, y: p.y * scale });
  switch (op.kind) {
    case 'stroke':
      return { mask: out, dirty: drawStroke(out, { points: op.points.map(s), radius: (op.size * scale) / 2, hardness: op.hardness, mode: op.mode }) };
    case 'rect':
      return { mask: out, dirty: fillRect(out, s(op.a), s(op.b), op.mode) };
    case 'lasso':
      return { mask: out, dirty: fillPolygon(out, op.points.map(s), op.mode) };
    case 'fill':
      return { mask: out, dirty: floodFill(out, s(op.point), op.mode) };
    case 'clear':
      return { mask: out, dirty: clearMask(out) };
    case 'invert':
      return { mask: out, dirty: invertMask(out) };
  }
}

const OP_LABELS: Record<MaskOp['kind'], string> = {
  stroke: 'Brush stroke',
  rect: 'Rectangle',
  lasso: 'Lasso',
  fill: 'Fill',
  clear: 'Clear mask',
  invert: 'Invert mask',
};

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function applyMaskOp(state: RegionsState, op: MaskOp): RegionsState {
  if (!hasImage(state)) return state;
  const edits: RegionEdit[] = [];
  let s = state;
  let region = s.items.find((r) => r.id === s.activeId);
  // Painting with no region makes one; painting on a hidden region shows it (one undo step with the paint).
  if (!region) {
    if (op.kind === 'clear' || op.kind === 'invert' || op.mode === 'erase') return state;
    const created = newRegion(s);
    const items = [created, ...s.items];
    edits.push(metaEdit(s, items, created.id));
    s = { ...s, items, activeId: created.id, nextId: s.nextId + 1 };
    region = created;
  } else if (!region.visible) {
    const shown = { ...region, visible: true };
    const items = s.items.map((r) => (r.id === shown.id ? shown : r));
    edits.push(metaEdit(s, items, s.activeId));
    s = { ...s, items };
    region = shown;
  }
  const { mask, dirty } = rasterise(region.mask, op, s.maskScale);
  const before = dirty ? readRect(region.mask, dirty) : null;
  const after = dirty ? readRect(mask, dirty) : null;
  const changed = dirty && before && after && !sameBytes(before, after);
  if (changed) {
    edits.push({ kind: 'mask', regionId: region.id, rect: dirty, before, after });
    const id = region.id;
    s = { ...s, items: s.items.map((r) => (r.id === id ? { ...r, mask } : r)) };
  }
  if (edits.length === 0) return { ...state, draft: null };
  return record(state, { ...s, draft: null }, OP_LABELS[op.kind], edits);
}

function updateRegion(state: RegionsState, action: Extract<RegionsAction, { type: 'regions/update' }>): RegionsState {
  const region = state.items.find((r) => r.id === action.id);
  if (!region) return state;
  const patch = { ...action.patch };
  if (patch.feather !== undefined) patch.feather = clamp(Math.round(patch.feather), 0, FEATHER_MAX);
  const keys = Object.keys(patch) as (keyof typeof patch)[];
  if (keys.every((k) => region[k] === patch[k])) return state;
  const updated = { ...region, ...patch };
  const items = state.items.map((r) => (r.id === region.id ? updated : r));
  const field = keys.length === 1 ? keys[0]! : 'region';
  const labels: Record<string, string> = { name: 'Rename region', prompt: 'Edit region prompt', visible: 'Show/hide region', feather: 'Feather', region: 'Edit region' };
  // Typing and slider drags become one undo step per field; a visibility click is its own step.
  const coalesce = field === 'visible' ? undefined : `${field}:${region.id}`;
  return record(state, { ...state, items }, labels[field] ?? 'Edit region', [metaEdit(state, items, state.activeId)], coalesce);
}

function sameRestoration(a: RegionRestorationState, b: RegionRestorationState): boolean {
  return a.mode === b.mode && a.restorationText === b.restorationText && a.error === b.error && JSON.stringify(a.controls) === JSON.stringify(b.controls);
}

/** The restoration after one change (pure; the field functions are the photo prompt's own). */
export function changeRestoration(r: RegionRestorationState, change: RegionRestorationChange): RegionRestorationState {
  switch (change.kind) {
    case 'mode': {
      const fresh = change.mode === 'prompt' && r.restorationText === '' && change.startText !== undefined;
      return fresh ? { ...withTypedText(r, change.startText!), mode: 'prompt' } : { ...r, mode: change.mode };
    }
    case 'text':
      return withTypedText(r, change.text);
    case 'control':
      return withControlEdit(r, change.edit);
    case 'canonicalise':
      return withCanonicalText(r);
  }
}

function updateRestoration(state: RegionsState, action: Extract<RegionsAction, { type: 'regions/restoration' }>): RegionsState {
  const region = state.items.find((r) => r.id === action.id);
  if (!region) return state;
  const restoration = changeRestoration(region.restoration, action.change);
  if (sameRestoration(restoration, region.restoration)) return state;
  const items = state.items.map((r) => (r.id === region.id ? { ...region, restoration } : r));
  // Choosing the mode is its own step; typing, a drag of a slider and the field's canonical form merge into one.
  const isMode = action.change.kind === 'mode';
  return record(state, { ...state, items }, isMode ? 'Region restoration' : 'Edit region restoration', [metaEdit(state, items, state.activeId)], isMode ? undefined : `restoration:${region.id}`);
}

// --- reducer ----------------------------------------------------------------------------

export function regionsReducer(state: RegionsState, action: RegionsAction): RegionsState {
  switch (action.type) {
    case 'regions/add': {
      if (!hasImage(state) || state.items.length >= MAX_REGIONS) return state;
      const created = newRegion(state);
      const items = [created, ...state.items];
      return record(state, { ...state, items, activeId: created.id, nextId: state.nextId + 1 }, 'Add region', [metaEdit(state, items, created.id)]);
    }

    case 'regions/select':
      return state.activeId === action.id || !state.items.some((r) => r.id === action.id) ? state : { ...state, activeId: action.id };

    case 'regions/update':
      return updateRegion(state, action);

    case 'regions/restoration':
      return updateRestoration(state, action);

    case 'regions/move': {
      const from = state.items.findIndex((r) => r.id === action.id);
      const to = from + action.by;
      if (from < 0 || to < 0 || to >= state.items.length) return state;
      const items = [...state.items];
      [items[from], items[to]] = [items[to]!, items[from]!];
      return record(state, { ...state, items }, 'Reorder regions', [metaEdit(state, items, state.activeId)]);
    }

    case 'regions/delete': {
      const index = state.items.findIndex((r) => r.id === action.id);
      if (index < 0) return state;
      const items = state.items.filter((r) => r.id !== action.id);
      const activeId = state.activeId === action.id ? (items[Math.min(index, items.length - 1)]?.id ?? null) : state.activeId;
      return record(state, { ...state, items, activeId }, 'Delete region', [metaEdit(state, items, activeId)]);
    }

    case 'regions/mask':
      return applyMaskOp(state, action.op);

    case 'regions/draft':
      return state.draft === action.draft ? state : { ...state, draft: action.draft };

    case 'regions/hover': {
      const a = state.hover;
      const b = action.point;
      if (a === b || (a && b && a.x === b.x && a.y === b.y)) return state;
      return { ...state, hover: b };
    }

    case 'regions/tool':
      return state.tool === action.tool ? state : { ...state, tool: action.tool, draft: null, hover: null };

    case 'regions/brush': {
      const size = clamp(Math.round(action.brush.size ?? state.brush.size), BRUSH_SIZE_RANGE.min, BRUSH_SIZE_RANGE.max);
      const hardness = clamp(action.brush.hardness ?? state.brush.hardness, 0, 1);
      if (size === state.brush.size && hardness === state.brush.hardness) return state;
      return { ...state, brush: { size, hardness } };
    }

    case 'regions/undo': {
      const popped = popUndo(state.history);
      if (!popped) return state;
      let s: RegionsState = { ...state, draft: null, history: popped.history };
      for (const edit of [...popped.step.edits].reverse()) s = applyEdit(s, edit, 'before');
      return s;
    }

    case 'regions/redo': {
      const popped = popRedo(state.history);
      if (!popped) return state;
      let s: RegionsState = { ...state, draft: null, history: popped.history };
      for (const edit of popped.step.edits) s = applyEdit(s, edit, 'after');
      return s;
    }
  }
}

// --- for the run ----------------------------------------------------------------------

/**
 * A region as a run takes it: the painted coverage (not feathered) and its feather radius, for
 * state/run.ts to check the region's own prompt and turn into the contract's region entry.
 */
export interface RunRegion {
  id: string;
  /** Its name in the panel, for a message about it. */
  name: string;
  prompt: string;
  /** Its own restoration (its prompt as typed: run.ts checks it), or absent: it follows the photo's. */
  restoration?: RegionRestoration;
  /** Feather radius in image pixels (the panel's slider); 0: the engine's default. */
  feather: number;
  /** Coverage 0..255 at `width x height` (the mask resolution: the image's, or scaled to a 2048 px long side). */
  mask: { width: number; height: number; data: Uint8Array };
}

const feathered = new WeakMap<Uint8Array, Map<number, Mask>>();

/** The region's mask with its feather applied, in mask pixels: the overlay's preview only, not sent (cached per mask and radius). */
export function featheredMask(region: Region, maskScale: number): Mask {
  const radius = region.feather * maskScale;
  if (!(radius > 0)) return region.mask;
  let byRadius = feathered.get(region.mask.data);
  if (!byRadius) {
    byRadius = new Map();
    feathered.set(region.mask.data, byRadius);
  }
  let out = byRadius.get(radius);
  if (!out) {
    out = featherMask(region.mask, radius);
    byRadius.set(radius, out);
  }
  return out;
}

/** The region's own restoration as the contract has it, or undefined when it follows the photo's. */
export function runRestoration(restoration: RegionRestorationState): RegionRestoration | undefined {
  if (restoration.mode === 'keep') return { kind: 'keep' };
  if (restoration.mode === 'prompt') return { kind: 'prompt', restorationPrompt: restoration.restorationText };
  return undefined;
}

/** Whether a region asks anything of a run: a semantic prompt, or a restoration of its own. */
export function regionSaysSomething(region: Pick<Region, 'prompt' | 'restoration'>): boolean {
  return region.prompt.trim() !== '' || region.restoration.mode !== 'follow';
}

/** Whether a run sends the region: visible, painted, and it says something. */
export function isSentToRun(region: Region): boolean {
  return region.visible && regionSaysSomething(region) && !isEmptyMask(region.mask);
}

/**
 * The regions a restore run sends: visible regions with some paint that say something (a
 * semantic prompt, or their own restoration), bottom of the list first, so the one higher in
 * the list wins where they overlap (the engine lets the later one win). The mask is the painted
 * coverage, not feathered (the engine feathers it by `feather`); the data is a copy, safe to
 * transfer.
 */
export function regionsForRun(regions: RegionsState): RunRegion[] {
  const out: RunRegion[] = [];
  for (const region of [...regions.items].reverse()) {
    if (!isSentToRun(region)) continue;
    const restoration = runRestoration(region.restoration);
    const { mask } = region;
    out.push({
      id: region.id,
      name: region.name,
      prompt: region.prompt.trim(),
      ...(restoration ? { restoration } : {}),
      feather: region.feather,
      mask: { width: mask.width, height: mask.height, data: mask.data.slice() },
    });
  }
  return out;
}

/** What a region's restoration does, in the panel's words. */
export function restorationWords(restoration: RegionRestorationState): string {
  switch (restoration.mode) {
    case 'follow':
      return 'Follows the photo’s prompt';
    case 'keep':
      return 'Keep as is: the photo’s own pixels';
    case 'prompt': {
      const text = restoration.restorationText.trim() || '(empty: nothing to fix)';
      return restoration.error ? `${text} (not valid yet)` : text;
    }
  }
}

/**
 * What a region does, for its row: its restoration, then its semantic prompt in quotes; or why a
 * run leaves it out (it says nothing).
 */
export function regionSummary(region: Pick<Region, 'prompt' | 'restoration'>): string {
  if (!regionSaysSomething(region)) return 'Not sent yet: say what is here, or give it its own restoration';
  const prompt = region.prompt.trim();
  return prompt ? `${restorationWords(region.restoration)} · “${prompt}”` : restorationWords(region.restoration);
}

/** Labels for the Undo/Redo buttons' tooltips, or null when there is nothing to undo/redo. */
export function undoLabel(regions: RegionsState): string | null {
  return regions.history.undo[regions.history.undo.length - 1]?.label ?? null;
}

export function redoLabel(regions: RegionsState): string | null {
  return regions.history.redo[regions.history.redo.length - 1]?.label ?? null;
}
