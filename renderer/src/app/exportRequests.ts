/**
 * Export: which request the export dialog's choice makes (pure, from the store), and
 * sending it. Composing and encoding happen in main (exportService.ts).
 *
 *   result, side-by-side, wipe  the current history entry (wipe: with the wipe position; side-by-side and
 *                               wipe: against the compare's A side when it is another result)
 *   sweep-grid                  the last sweep's cells still in the history, labelled, with the
 *                               sweep's column count (or a square-ish grid once cells are gone)
 */
import type { ExportFormat, ExportKind, ExportRequest, IpcError, SpireApi } from '../../../preload/contract/channels';
import type { ColourMode } from '../../../common/photo';
import type { AppAction, AppState } from '../state/appState';
import { compareSides } from '../state/compare';
import { currentEntry } from '../state/historyResults';
import type { Store } from '../state/store';
import { cellLabel, gridShape, sheetLabel } from '../state/sweep';
import { NO_BRIDGE, ipcFailure, shown } from './runFailures';

export interface ExportChoice {
  kind: ExportKind;
  format: ExportFormat;
  /** JPEG/WebP quality 1-100 (sent for those formats only). */
  quality: number;
  /** The restored image's colour (a result export only; default sRGB). */
  colour?: ColourMode;
  /** Leave the photo's GPS position out (a result export only; default false). */
  stripLocation?: boolean;
}

/** The export request for `choice`, or why there is nothing to export. */
export function buildExportRequest(state: AppState, { kind, format, quality, colour, stripLocation }: ExportChoice): { ok: true; request: ExportRequest } | { ok: false; error: IpcError } {
  const withQuality = format === 'jpeg' || format === 'webp' ? { quality } : {};
  if (kind === 'sweep-grid') {
    const run = state.studio.sweep.run;
    const cells = run
      ? run.cells.flatMap((cell, i) => {
          const resultId = run.results[i];
          // A cell whose result was deleted from the history is left out of the sheet.
          const kept = resultId ? state.studio.history.entries.find((e) => e.id === resultId) : undefined;
          return kept ? [{ resultId: kept.id, label: sheetLabel(run.target, cellLabel(cell, kept.estimatedPrompt !== null)) }] : [];
        })
      : [];
    if (!run || cells.length === 0) return { ok: false, error: { code: 'nothing-to-export', message: 'There is no sweep grid to export yet: run a sweep first.' } };
    const columns = cells.length === run.cells.length ? gridShape(run).cols : Math.ceil(Math.sqrt(cells.length));
    return { ok: true, request: { kind, format, cells, columns, ...withQuality } };
  }
  const current = currentEntry(state.studio.history, state.image?.id ?? null);
  if (!current) return { ok: false, error: { code: 'nothing-to-export', message: 'There is no result to export yet: run a restoration (or pick one in the history) first.' } };
  const request: ExportRequest = { kind, format, resultId: current.id, imageId: current.imageId, ...withQuality };
  if (kind === 'result') {
    if (colour && colour !== 'srgb') request.colour = colour;
    if (stripLocation) request.stripLocation = true;
  }
  if (kind === 'wipe') request.wipePosition = state.studio.compare.wipe;
  // Two results compared on screen: the export compares the same two.
  const before = state.studio.compare.on ? compareSides(state.studio.history, state.studio.compare, state.image?.id ?? null)?.before : null;
  if (before && (kind === 'side-by-side' || kind === 'wipe')) request.beforeResultId = before.id;
  return { ok: true, request };
}

/** Exports `choice`; resolves to the written path, or null (the user cancelled, or the reason is on screen). */
export async function exportImage(store: Store<AppState, AppAction>, api: SpireApi | undefined, choice: ExportChoice): Promise<string | null> {
  const fail = (error: IpcError): null => {
    store.dispatch(shown(error));
    return null;
  };
  if (!api) return fail(NO_BRIDGE);
  const built = buildExportRequest(store.getState(), choice);
  if (!built.ok) return fail(built.error);
  try {
    const r = await api.export.save(built.request);
    if (!r.ok) return fail(r.error);
    return r.value?.path ?? null;
  } catch (err) {
    return fail(ipcFailure('Exporting', err));
  }
}
