/**
 * The Regions panel: one row per mask region (colour, name, semantic prompt, show/hide,
 * move up/down, delete), and for the selected region its feather and the clear and
 * invert commands. The first row is the top region (drawn over the others). Every
 * change is an action on the store, and undoable.
 */
import type { ReactNode } from 'react';
import { useAppState, useServices } from '../app/appContext';
import type { Region } from '../state/regions';
import { FEATHER_MAX, MAX_REGIONS } from '../state/regions';
import './RegionsPanel.css';

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
  const update = (patch: Partial<Pick<Region, 'name' | 'prompt' | 'visible'>>) => store.dispatch({ type: 'regions/update', id: region.id, patch });
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
      <textarea
        className="rp-prompt"
        data-testid={`region-prompt-${index}`}
        aria-label="Region prompt"
        placeholder="What is here? e.g. a weathered wooden boat"
        rows={2}
        value={region.prompt}
        onChange={(e) => update({ prompt: e.target.value })}
      />
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
      {regions.length === 0 ? <p className="rp-empty">{hasImage ? 'Paint on the photo or add a region to give a part of it its own prompt.' : 'Open a photo to mark regions.'}</p> : null}
      <div className="rp-actions" aria-label="Selected region">
        <label className="rp-feather" title="Softens the mask's edge, in image pixels; shown on the canvas and sent with the run">
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
