import type { EngineState } from '../../../common/engineStatus';
import { describePhotoColour, type PhotoFacts } from '../../../common/photo';
import { useAppState } from '../app/appContext';
import './StatusBar.css';

/** The dot's colour class per engine state (green ready, amber busy/starting, red crashed, grey stopped). */
const DOT_CLASS: Record<EngineState, string> = {
  starting: 'dot-pending',
  restarting: 'dot-pending',
  busy: 'dot-busy',
  ready: 'dot-ready',
  crashed: 'dot-error',
  stopped: 'dot-off',
};

/** Words for screen readers and the tooltip. */
const STATE_HINT: Record<EngineState, string> = {
  starting: 'The engine is starting',
  restarting: 'The engine is restarting after a problem',
  busy: 'The engine is working',
  ready: 'The engine is ready',
  crashed: 'The engine stopped unexpectedly',
  stopped: 'The engine is not running',
};

/** The tooltip on the photo's colour: its profile, depth, DPI and what metadata it carries. */
function photoHint(photo: PhotoFacts): string {
  const carried = [photo.hasExif ? 'camera EXIF' : '', photo.hasGps ? 'GPS position' : '', photo.hasXmp ? 'XMP' : '', photo.hasIptc ? 'IPTC' : ''].filter(Boolean);
  return [
    `Colour profile: ${photo.colourProfile}${photo.wideGamut ? ' (wider than sRGB)' : ''}`,
    `${photo.bitDepth} bits per channel${photo.hasAlpha ? ', with transparency' : ''}`,
    photo.dpi ? `${Math.round(photo.dpi)} dpi` : '',
    carried.length > 0 ? `Metadata: ${carried.join(', ')}` : 'No camera metadata',
  ]
    .filter(Boolean)
    .join('\n');
}

/** Bottom bar: the engine worker's state, its model pack and execution provider, the open photo's colour, and the engine's message. */
export function StatusBar() {
  const engine = useAppState((s) => s.engine);
  const photo = useAppState((s) => s.image?.photo ?? null);
  // Until main first answers, the engine is (as far as we know) starting.
  const state: EngineState = engine?.state ?? 'starting';
  const pack = engine?.pack ?? null;

  return (
    <footer className="statusbar" aria-label="Status">
      <span className="sb-item sb-engine" title={STATE_HINT[state]}>
        <span className={`sb-dot ${DOT_CLASS[state]}`} aria-hidden="true" />
        <span className="sb-label">Engine</span>
        <span data-testid="status-engine">{state}</span>
      </span>
      <span className="sb-item" title={pack ? `Model pack folder: ${pack.dir}` : 'No model pack is loaded'}>
        <span className="sb-label">Pack</span>
        <span data-testid="status-pack">{pack ? pack.name : 'No model pack'}</span>
      </span>
      <span className="sb-item" title="Execution provider the engine runs on">
        <span className="sb-label">Provider</span>
        <span data-testid="status-provider">{engine?.provider ?? '—'}</span>
      </span>
      {photo ? (
        <span className="sb-item" title={photoHint(photo)}>
          <span className="sb-label">Colour</span>
          <span data-testid="status-photo">{describePhotoColour(photo)}</span>
        </span>
      ) : null}
      {engine?.message ? (
        <span className="sb-item sb-message" data-testid="status-message" title={engine.message}>
          {engine.message}
        </span>
      ) : null}
    </footer>
  );
}
