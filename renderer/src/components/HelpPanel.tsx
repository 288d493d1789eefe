import { useCallback } from 'react';
import { useServices } from '../app/appContext';
import { SHORTCUTS } from '../app/studioKeys';
import { Dialog } from './Dialog';
import './Panels.css';

/** The keyboard shortcuts (studioKeys.ts SHORTCUTS), opened with `?` or the toolbar's ? button. */
export function HelpPanel() {
  const { store } = useServices();
  const close = useCallback(() => store.dispatch({ type: 'dialog/close' }), [store]);
  return (
    <Dialog title="Keyboard shortcuts" testId="help-panel" onClose={close}>
      {SHORTCUTS.map((g) => (
        <section key={g.group} className="help-group">
          <h3>{g.group.replace(/ \(.*\)$/, '')}</h3>
          <dl className="help-list">
            {g.items.map((s) => (
              <div className="help-row" key={s.does}>
                <dt>
                  {s.keys.map((k, i) => (
                    <span key={k}>
                      {i > 0 ? (s.keys[0] === '[' ? ' ' : '+') : null}
                      <kbd>{k}</kbd>
                    </span>
                  ))}
                </dt>
                <dd>{s.does}</dd>
              </div>
            ))}
          </dl>
        </section>
      ))}
      <p className="dialog-hint">On macOS, Ctrl means ⌘. Keys do nothing while you type in a text field, except Ctrl+Enter.</p>
    </Dialog>
  );
}
