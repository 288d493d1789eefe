/**
 * The Regions panel: one row per mask region (colour, name, show/hide, move up/down, delete,
 * what the region does, its semantic prompt and its restoration: the photo's prompt, its own,
 * or Keep as is; with its own, the builder of that prompt: RestorationBuilder, as the photo's;
 * shown whichever row is selected, so selecting a row moves nothing under the pointer), and for
 * the selected region its feather and the clear and invert commands. The first row is the top
 * region: drawn over the others, and it wins where regions overlap. Every change is an action on
 * the store, and undoable.
 */
import type { ReactNode } from 'react';
import { useAppState, useServices } from '../app/appContext';
import { useStudio } from '../app/runContext';
import type { Region, RegionRestorationChange, RegionRestorationMode } from '../state/regions';
import { FEATHER_MAX, MAX_REGIONS, regionSaysSomething, regionSummary } from '../state/regions';
import { RestorationBuilder } from './RestorationBuilder';
import './RegionsPanel.css';

const MODES: readonly { mode: RegionRestorationMode; label: string }[] = [
  { mode: 'follow', label: 'Follows the photo’s prompt' },
  { mode: 'prompt', label: 'Its own prompt' },
  { mode: 'keep', label: 'Keep as is' },
];

function Icon({ children }: { children: ReactNode }) {
  return (
    <svg viewBox="0 0 24 24" width="14" height="14" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      {children}
    </svg>
  );
}

const EyeIcon = ({ open }: { open: boolean }) => (
  <Icon>
    <path d="M2 12s3.5-6 10-6 10 6 10 6-3.5 6-10 6S2 12 2 12z" />
    {open ? <circle cx="12" cy="12" r="2.5" /> : <path d="M4 4l16 16" />}
  </Icon>
);

function RegionRow({ region, index, count, active }: { region: Region; index: number; count: number; active: boolean }) {
  const { store } = useServices();
  const photoPrompt = useStudio((s) => s.prompt.restorationText);
  const update = (patch: Partial<Pick<Region, 'name' | 'prompt' | 'visible'>>) => store.dispatch({ type: 'regions/update', id: region.id, patch });
  const restore = (change: RegionRestorationChange) => store.dispatch({ type: 'regions/restoration', id: region.id, change });
  const { restoration } = region;
  return (
    <li
      className={`rp-item${active ? ' rp-active' : ''}${region.visible ? '' : ' rp-hidden'}`}
      data-testid={`region-item-${index}`}
      aria-selected={active}
      onPointerDown={() => store.dispatch({ type: 'regions/select', id: region.id })}
      onFocus={() => store.dispatch({ type: 'regions/select', id: region.id })}
    >
      <div className="rp-row">
        <span className="rp-swatch" style={{ background: region.colour }} aria-hidden="true" />
        <input
          className="rp-name"
          data-testid={`region-name-${index}`}
          aria-label="Region name"
          value={region.name}
          spellCheck={false}
          onChange={(e) => update({ name: e.target.value })}
        />
        <button
          type="button"
          className="rp-icon"
          data-testid={`region-visible-${index}`}
          aria-label={region.visible ? 'Hide region' : 'Show region'}
          aria-pressed={region.visible}
          title={region.visible ? 'Hide (not sent with the run)' : 'Show'}
          onClick={() => update({ visible: !region.visible })}
        >
          <EyeIcon open={region.visible} />
        </button>
        <button
          type="button"
          className="rp-icon"
          data-testid={`region-up-${index}`}
          aria-label="Move up"
          title="Move up"
          disabled={index === 0}
          onClick={() => store.dispatch({ type: 'regions/move', id: region.id, by: -1 })}
        >
          <Icon><path d="M6 15l6-6 6 6" /></Icon>
        </button>
        <button
          type="button"
          className="rp-icon"
          data-testid={`region-down-${index}`}
          aria-label="Move down"
          title="Move down"
          disabled={index === count - 1}
          onClick={() => store.dispatch({ type: 'regions/move', id: region.id, by: 1 })}
        >
          <Icon><path d="M6 9l6 6 6-6" /></Icon>
        </button>
        <button
          type="button"
          className="rp-icon rp-danger"
          data-testid={`region-delete-${index}`}
          aria-label="Delete region"
          title="Delete region (undo brings it back)"
          onClick={() => store.dispatch({ type: 'regions/delete', id: region.id })}
        >
          <Icon><path d="M5 7h14M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3" /></Icon>
        </button>
      </div>
      <p className={`rp-does${regionSaysSomething(region) ? '' : ' rp-unsent'}`} data-testid={`region-does-${index}`} title={`What a run does here: ${regionSummary(region)}`}>
        {regionSummary(region)}
      </p>
      <textarea
        className="rp-prompt"
        data-testid={`region-prompt-${index}`}
        aria-label="Region prompt"
        placeholder="What is here? e.g. a weathered wooden boat"
        rows={2}
        value={region.prompt}
        onChange={(e) => update({ prompt: e.target.value })}
      />
      <label className="rp-restoration" title="What the restoration does here: the photo’s prompt, a prompt of its own, or nothing (the photo’s pixels stay)">
        <span>Restoration</span>
        <select
          data-testid={`region-restoration-${index}`}
          value={restoration.mode}
          onChange={(e) => restore({ kind: 'mode', mode: e.target.value as RegionRestorationMode, startText: photoPrompt })}
        >
          {MODES.map((m) => (
            <option key={m.mode} value={m.mode}>
              {m.label}
            </option>
          ))}
        </select>
      </label>
      {restoration.mode === 'prompt' ? (
        <div className="rp-builder">
          <RestorationBuilder
            field={restoration}
            id={`region-restoration-prompt-${region.id}`}
            testId={(part) => `region-${part}-${index}`}
            onText={(text) => restore({ kind: 'text', text })}
            onCanonicalise={() => restore({ kind: 'canonicalise' })}
            onEdit={(edit) => restore({ kind: 'control', edit })}
            placeholder="(empty: nothing to fix here)"
          />
        </div>
      ) : null}
    </li>
  );
}

export function RegionsPanel() {
  const { store } = useServices();
  const regions = useAppState((s) => s.regions.items);
  const activeId = useAppState((s) => s.regions.activeId);
  const hasImage = useAppState((s) => s.image !== null);
  const active = regions.find((r) => r.id === activeId) ?? null;
  const full = regions.length >= MAX_REGIONS;

  return (
    <section className="regions-panel" aria-label="Regions">
      <header className="rp-header">
        <h2>Regions</h2>
        <button type="button" className="rp-add" data-testid="region-add" disabled={!hasImage || full} onClick={() => store.dispatch({ type: 'regions/add' })} title={full ? `A run takes at most ${MAX_REGIONS} regions` : 'Add a mask region'}>
          + Add
        </button>
      </header>
      <ul className="rp-list" data-testid="region-list">
        {regions.map((r, i) => (
          <RegionRow key={r.id} region={r} index={i} count={regions.length} active={r.id === activeId} />
        ))}
      </ul>
      {regions.length === 0 ? (
        <p className="rp-empty">{hasImage ? 'Paint on the photo or add a region to give a part of it its own prompt.' : 'Open a photo to mark regions.'}</p>
      ) : (
        <p className="rp-empty" data-testid="regions-hint">
          Regions stack like layers: where they overlap, the higher one in the list wins. A region’s own restoration, or Keep as is, acts at every strength.
        </p>
      )}
      <div className="rp-actions" aria-label="Selected region">
        <label className="rp-feather" title="Softens the mask's edge, in image pixels; previewed on the canvas, and the engine feathers the painted mask by it (0: its default, one latent cell)">
          <span>Feather</span>
          <input
            type="range"
            data-testid="region-feather"
            min={0}
            max={FEATHER_MAX}
            value={active?.feather ?? 0}
            disabled={!active}
            onChange={(e) => active && store.dispatch({ type: 'regions/update', id: active.id, patch: { feather: Number(e.target.value) } })}
          />
          <output>{active?.feather ?? 0} px</output>
        </label>
        <div className="rp-buttons">
          <button type="button" className="rp-button" data-testid="mask-clear" disabled={!active} onClick={() => store.dispatch({ type: 'regions/mask', op: { kind: 'clear' } })}>
            Clear mask
          </button>
          <button type="button" className="rp-button" data-testid="mask-invert" disabled={!active} onClick={() => store.dispatch({ type: 'regions/mask', op: { kind: 'invert' } })}>
            Invert mask
          </button>
        </div>
      </div>
    </section>
  );
}
