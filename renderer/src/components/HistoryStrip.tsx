import { useAppState, useServices } from '../app/appContext';
import { useRunController, useStudio } from '../app/runContext';
import { entriesForImage, entryTooltip, formatClock } from '../state/historyResults';
import './HistoryStrip.css';

/**
 * Results of this photo, pinned first, then newest first: click one to show it, double-click
 * to load its prompts and seed back into the builder, pin it (pinned ones are never dropped
 * when the list grows long) or delete it.
 */
export function HistoryStrip() {
  const { store } = useServices();
  const run = useRunController();
  const imageId = useAppState((s) => s.image?.id ?? null);
  const history = useStudio((s) => s.history);
  const entries = entriesForImage(history, imageId);
  if (imageId === null) return null;

  return (
    <nav className="history-strip" data-testid="history-strip" aria-label="Results">
      {entries.length === 0 ? <p className="history-empty">Results appear here after a run.</p> : null}
      {entries.map((e, i) => {
        const current = e.id === history.currentId;
        const tip = entryTooltip(e);
        return (
          <div className={`history-item${current ? ' current' : ''}${e.pinned ? ' pinned' : ''}`} key={e.id}>
            <button
              type="button"
              className="history-thumb"
              data-testid={`history-item-${i}`}
              aria-pressed={current}
              title={tip}
              onClick={() => store.dispatch({ type: 'history/select', id: e.id })}
              onDoubleClick={() => {
                store.dispatch({ type: 'prompt/load', semantic: e.semanticPrompt, restorationText: e.restorationPrompt });
                run.setSettings({ seed: e.seed, seedLocked: true });
              }}
            >
              {e.thumbnailUrl ? <img src={e.thumbnailUrl} alt={`Result ${i + 1}`} draggable={false} /> : <span className="spinner" aria-hidden="true" />}
              {e.estimatedPrompt !== null ? (
                <span className="history-badge" data-testid={`history-estimated-${i}`}>
                  estimated
                </span>
              ) : null}
              <span className="history-meta">{formatClock(e.finishedAt)}</span>
              <span className="history-meta">seed {e.seed}</span>
            </button>
            <div className="history-actions">
              <button
                type="button"
                data-testid={`history-pin-${i}`}
                aria-pressed={e.pinned}
                title={e.pinned ? 'Unpin' : 'Pin (keep it)'}
                onClick={() => store.dispatch({ type: 'history/pin', id: e.id, pinned: !e.pinned })}
              >
                {e.pinned ? '★' : '☆'}
              </button>
              <button type="button" data-testid={`history-delete-${i}`} title="Delete this result" onClick={() => void run.deleteResult(e.id)}>
                ✕
              </button>
            </div>
          </div>
        );
      })}
    </nav>
  );
}
