import { useEffect, useRef } from 'react';
import { useAppState, useServices } from '../app/appContext';
import { getBitmap } from '../canvas/bitmapCache';
import { isPhotoBusy } from '../state/sessions';
import './PhotoTabs.css';

/** Side of a tab's thumbnail, CSS pixels. */
const THUMB = 24;

/** The photo's own pixels, small (drawn once per photo; Konva is not needed for this). */
function TabThumb({ sourceKey }: { sourceKey: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    const bitmap = getBitmap(sourceKey, THUMB / 512);
    if (!canvas || !ctx || !bitmap) return;
    const k = Math.min(THUMB / bitmap.width, THUMB / bitmap.height);
    const w = bitmap.width * k;
    const h = bitmap.height * k;
    ctx.clearRect(0, 0, THUMB, THUMB);
    ctx.drawImage(bitmap, (THUMB - w) / 2, (THUMB - h) / 2, w, h);
  }, [sourceKey]);
  return <canvas ref={ref} className="photo-tab-thumb" width={THUMB} height={THUMB} aria-hidden="true" />;
}

/**
 * The open photos, one tab each (state/sessions.ts): its thumbnail and name, a mark while a run goes
 * on it, a close button. A click shows that photo with its own prompts, settings, regions and history.
 * Shown from two open photos on (one photo needs no tabs, and the canvas and sidebar keep their height).
 */
export function PhotoTabs() {
  const { sessions } = useServices();
  const tabs = useAppState((s) => s.sessions.tabs);
  const activeKey = useAppState((s) => s.sessions.activeKey);
  // A string, so the selector's answer compares by value.
  const busy = useAppState((s) => s.sessions.tabs.map((t) => (isPhotoBusy(s, t.key) ? '1' : '0')).join(''));
  if (tabs.length < 2 || !sessions) return null;

  return (
    <nav className="photo-tabs" data-testid="photo-tabs" aria-label="Open photos">
      <div role="tablist" className="photo-tabs-list">
        {tabs.map((t, i) => {
          const active = t.key === activeKey;
          const running = busy[i] === '1';
          return (
            <div key={t.key} className={`photo-tab${active ? ' active' : ''}`} data-testid={`photo-tab-${i}`} data-active={active} data-busy={running}>
              <button
                type="button"
                role="tab"
                className="photo-tab-select"
                data-testid={`photo-tab-select-${i}`}
                aria-selected={active}
                title={running ? `${t.name} (a run is going on this photo)` : t.name}
                onClick={() => sessions.show(t.key)}
              >
                <TabThumb sourceKey={t.sourceKey} />
                <span className="photo-tab-name">{t.name}</span>
                {running ? <span className="photo-tab-busy" data-testid={`photo-tab-busy-${i}`} aria-label="running" /> : null}
              </button>
              <button
                type="button"
                className="photo-tab-close"
                data-testid={`photo-tab-close-${i}`}
                aria-label={`Close ${t.name}`}
                title={`Close ${t.name}: its prompts, regions and history are kept; open the file again to get them back`}
                onClick={() => sessions.close(t.key)}
              >
                ×
              </button>
            </div>
          );
        })}
      </div>
    </nav>
  );
}
