import { useCallback, useState } from 'react';
import type { ExportFormat, ExportKind } from '../../../preload/contract/channels';
import { exportWarnings, type ColourMode } from '../../../common/photo';
import { useAppState, useServices } from '../app/appContext';
import { useRunController, useStudio } from '../app/runContext';
import { currentEntry } from '../state/historyResults';
import { Dialog } from './Dialog';
import { SliderField } from './SliderField';
import './Panels.css';

const KINDS: { kind: ExportKind; label: string }[] = [
  { kind: 'result', label: 'Restored image' },
  { kind: 'side-by-side', label: 'Before / after, side by side (labelled)' },
  { kind: 'wipe', label: 'Wipe split (at the current wipe position)' },
  { kind: 'sweep-grid', label: 'Sweep grid sheet' },
];
const FORMATS: { format: ExportFormat; label: string }[] = [
  { format: 'png', label: 'PNG (lossless)' },
  { format: 'jpeg', label: 'JPEG' },
  { format: 'webp', label: 'WebP' },
  { format: 'tiff', label: 'TIFF' },
];

/**
 * Export: what (the result, a before/after composite, the wipe split, the sweep grid),
 * the format and its quality. Main shows the save dialog, asks before replacing a file,
 * composes and writes atomically with the prompts, seed and model in the metadata.
 */
export function ExportDialog() {
  const { store } = useServices();
  const run = useRunController();
  const imageId = useAppState((s) => s.image?.id ?? null);
  const hasResult = useStudio((s) => currentEntry(s.history, imageId) !== null);
  const hasGrid = useStudio((s) => s.sweep.run?.results.some((r) => r !== null) ?? false);
  const [kind, setKind] = useState<ExportKind>(hasResult ? 'result' : 'sweep-grid');
  const [format, setFormat] = useState<ExportFormat>('png');
  const [quality, setQuality] = useState(95);
  const [colour, setColour] = useState<ColourMode>('srgb');
  const [stripLocation, setStripLocation] = useState(false);
  const photo = useAppState((s) => s.image?.photo ?? null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const close = useCallback(() => store.dispatch({ type: 'dialog/close' }), [store]);
  const available = (k: ExportKind) => (k === 'sweep-grid' ? hasGrid : hasResult);
  const lossy = format === 'jpeg' || format === 'webp';
  const forResult = kind === 'result';
  const warnings = photo ? exportWarnings(photo, { kind, format, colour, stripLocation }) : [];

  const save = async () => {
    setSaving(true);
    setSaved(null);
    const path = await run.exportImage({ kind, format, quality, colour, stripLocation });
    setSaving(false);
    if (path) setSaved(path);
  };

  return (
    <Dialog title="Export" testId="export-dialog" onClose={close}>
      <div className="grid-form">
        <label htmlFor="export-kind">What</label>
        <select id="export-kind" data-testid="export-kind" value={kind} onChange={(e) => setKind(e.target.value as ExportKind)}>
          {KINDS.map((k) => (
            <option key={k.kind} value={k.kind} disabled={!available(k.kind)}>
              {k.label}
              {available(k.kind) ? '' : k.kind === 'sweep-grid' ? ' (run a sweep first)' : ' (run first)'}
            </option>
          ))}
        </select>

        <label htmlFor="export-format">Format</label>
        <select id="export-format" data-testid="export-format" value={format} onChange={(e) => setFormat(e.target.value as ExportFormat)}>
          {FORMATS.map((f) => (
            <option key={f.format} value={f.format}>
              {f.label}
            </option>
          ))}
        </select>

        <label htmlFor="export-quality">Quality</label>
        <SliderField
          testId="export-quality"
          min={1}
          max={100}
          step={1}
          value={quality}
          disabled={!lossy}
          onChange={setQuality}
          readout={lossy ? String(quality) : '—'}
        />

        <label htmlFor="export-colour">Colour</label>
        <select id="export-colour" data-testid="export-colour" value={colour} disabled={!forResult} onChange={(e) => setColour(e.target.value as ColourMode)}>
          <option value="srgb">sRGB (screens and the web)</option>
          <option value="keep-profile">Keep the photo&apos;s profile{photo && photo.colourProfile !== 'sRGB' ? `: ${photo.colourProfile}` : ''}</option>
        </select>
      </div>
      <label className="check-row small export-option">
        <input type="checkbox" data-testid="export-strip-location" checked={stripLocation} disabled={!forResult} onChange={(e) => setStripLocation(e.target.checked)} />
        <span>
          Strip location (GPS){photo?.hasGps ? ' — this photo has one' : ''}. Off by default: the photo&apos;s camera EXIF, GPS position, XMP, IPTC and DPI are kept.
        </span>
      </label>
      {warnings.length > 0 ? (
        <ul className="export-warnings" data-testid="export-warnings" aria-label="This export would lose">
          {warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      ) : null}
      <p className="dialog-hint">
        The prompts, seed and model go into the file&apos;s metadata (also as XMP). A kept profile is written at 16 bits in PNG and TIFF. You will be asked before a file is
        replaced.
      </p>
      <div className="dialog-actions">
        {saved ? (
          <span className="hint ok" data-testid="export-saved" title={saved}>
            Saved {saved}
          </span>
        ) : (
          <span />
        )}
        <button type="button" className="button" onClick={close}>
          Close
        </button>
        <button type="button" className="button primary" data-testid="export-save" disabled={saving || !available(kind)} onClick={() => void save()}>
          {saving ? 'Saving…' : 'Save…'}
        </button>
      </div>
    </Dialog>
  );
}
