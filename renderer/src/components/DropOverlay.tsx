import { ImageIcon } from './Icons';
import './DropOverlay.css';

/** Shown over the whole window while a file is dragged over it. */
export function DropOverlay() {
  return (
    <div className="drop-overlay" data-testid="drop-overlay" aria-hidden="true">
      <div className="drop-target">
        <ImageIcon className="drop-art" />
        <span>Drop to open the photo</span>
      </div>
    </div>
  );
}
