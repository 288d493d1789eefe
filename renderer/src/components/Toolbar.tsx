import { useAppState, useServices } from '../app/appContext';
import { formatZoom } from '../canvas/viewport';
import { CompareControls } from './CompareView';
import { FitIcon, OpenIcon, ZoomInIcon, ZoomOutIcon } from './Icons';
import { isBusy } from '../state/run';
import { ProgressBar } from './ProgressOverlay';
import { RecentMenu } from './RecentMenu';
import { RunButtons } from './RunPanel';
import { StudioButtons } from './StudioButtons';
import './Toolbar.css';

/** Top bar: Open…, Recent ▾, the zoom controls and the open photo's name and size. */
export function Toolbar() {
  const { store, controller } = useServices();
  const image = useAppState((s) => s.image);
  const scale = useAppState((s) => s.view.viewport.scale);
  const opening = useAppState((s) => s.opening);
  const busy = useAppState((s) => isBusy(s.studio.job));
  const noImage = image === null;

  return (
    <header
      className="toolbar"
      role="toolbar"
      aria-label="Main toolbar"
      // A mouse click should not leave focus (and a focus ring) on a toolbar button; Tab still reaches them.
      onMouseDown={(e) => {
        if (e.target instanceof Element && e.target.closest('button')) e.preventDefault();
      }}
    >
      <button
        type="button"
        className="tb-button tb-primary"
        data-testid="open-image"
        onClick={() => void controller.openDialog()}
        title="Open a photo (Ctrl+O)"
      >
        <OpenIcon />
        <span>Open…</span>
      </button>
      <RecentMenu />

      <div className="tb-separator" role="separator" />

      <div className="tb-group" aria-label="Zoom">
        <button
          type="button"
          className="tb-icon"
          data-testid="zoom-out"
          aria-label="Zoom out"
          title="Zoom out (−)"
          disabled={noImage}
          onClick={() => store.dispatch({ type: 'view/zoomStep', direction: 'out' })}
        >
          <ZoomOutIcon />
        </button>
        <output className="tb-zoom" data-testid="zoom-level" aria-live="polite" aria-label="Zoom level">
          {formatZoom(scale)}
        </output>
        <button
          type="button"
          className="tb-icon"
          data-testid="zoom-in"
          aria-label="Zoom in"
          title="Zoom in (+)"
          disabled={noImage}
          onClick={() => store.dispatch({ type: 'view/zoomStep', direction: 'in' })}
        >
          <ZoomInIcon />
        </button>
        <button
          type="button"
          className="tb-icon"
          data-testid="zoom-fit"
          aria-label="Fit to view"
          title="Fit to view (0)"
          disabled={noImage}
          onClick={() => store.dispatch({ type: 'view/fit' })}
        >
          <FitIcon />
        </button>
        <button
          type="button"
          className="tb-text"
          data-testid="zoom-actual"
          aria-label="Actual size (100%)"
          title="Actual pixels, 100% (1)"
          disabled={noImage}
          onClick={() => store.dispatch({ type: 'view/actual' })}
        >
          1:1
        </button>
      </div>

      <div className="tb-separator" role="separator" />
      <RunButtons />
      <div className="tb-separator" role="separator" />
      <CompareControls />
      <StudioButtons />

      <div className="tb-spacer" />
      {/* Cancel, the bar and the ETA while a run goes: after the spacer, so no button moves. */}
      <ProgressBar />

      {opening ? (
        <span className="tb-opening" role="status">
          <span className="spinner" aria-hidden="true" />
          {opening.name ? `Opening ${opening.name}…` : 'Opening…'}
        </span>
      ) : null}

      {image ? (
        // While a run goes the progress cluster takes this place.
        <div className={busy ? 'tb-doc tb-doc-busy' : 'tb-doc'} aria-label="Open photo">
          <span className="tb-doc-name" data-testid="image-name" title={image.name}>
            {image.name}
          </span>
          <span className="tb-doc-size" data-testid="image-size">
            {`${image.width} × ${image.height}`}
          </span>
        </div>
      ) : null}
    </header>
  );
}
