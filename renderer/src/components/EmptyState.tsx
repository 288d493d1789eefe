import { useServices } from '../app/appContext';
import { ImageIcon, OpenIcon } from './Icons';
import './EmptyState.css';

/** What the canvas shows before any photo is open. */
export function EmptyState() {
  const { controller } = useServices();
  return (
    <div className="empty-state" data-testid="empty-state">
      <ImageIcon className="empty-art" />
      <h1 className="empty-title">Open a photo or drop it here</h1>
      <p className="empty-hint">PNG, JPEG, WebP or TIFF. You can also paste an image with Ctrl+V.</p>
      <button type="button" className="empty-open" onClick={() => void controller.openDialog()}>
        <OpenIcon />
        <span>Open a photo…</span>
      </button>
      <p className="empty-keys">
        <kbd>Ctrl</kbd>+<kbd>O</kbd> open · <kbd>+</kbd>/<kbd>−</kbd> zoom · <kbd>0</kbd> fit · <kbd>1</kbd> 100% · drag to pan
      </p>
    </div>
  );
}
