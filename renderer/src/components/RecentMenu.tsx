import { useEffect, useRef, useState } from 'react';
import { useAppState, useServices } from '../app/appContext';
import { listenOnWindow } from '../app/windowEvents';

/** "Recent ▾" beside Open…: main's recent-files list; picking one reopens it through main. */
export function RecentMenu() {
  const { controller } = useServices();
  const recent = useAppState((s) => s.recent);
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);

  // The list on start; each successful open refreshes it again (controller.ts).
  useEffect(() => {
    void controller.refreshRecent();
  }, [controller]);

  useEffect(() => {
    if (!open) return undefined;
    return listenOnWindow({
      keydown: (e) => {
        if (e.key === 'Escape') setOpen(false);
      },
      pointerdown: (e) => {
        if (!(e.target instanceof Node) || !root.current?.contains(e.target)) setOpen(false);
      },
    });
  }, [open]);

  return (
    <div className="tb-menu" ref={root}>
      <button
        type="button"
        className="tb-button"
        data-testid="recent-open"
        aria-haspopup="menu"
        aria-expanded={open}
        title="Open a recently opened photo"
        onClick={() => {
          if (!open) void controller.refreshRecent();
          setOpen(!open);
        }}
      >
        Recent ▾
      </button>
      {open ? (
        <div className="tb-menu-list" role="menu" aria-label="Recent files" data-testid="recent-menu">
          {recent.length === 0 ? (
            <div className="tb-menu-empty">No recent files</div>
          ) : (
            recent.map((file, index) => (
              <button
                key={file.path}
                type="button"
                role="menuitem"
                className="tb-menu-item"
                data-testid={`recent-item-${index}`}
                title={file.path}
                onClick={() => {
                  setOpen(false);
                  void controller.openRecent(file.path);
                }}
              >
                <span className="tb-menu-name">{file.name}</span>
                <span className="tb-menu-path">{file.path}</span>
              </button>
            ))
          )}
        </div>
      ) : null}
    </div>
  );
}
