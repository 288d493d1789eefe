import { useRef, useState } from 'react';
import type { KeyboardEvent as ReactKeyboardEvent, MouseEvent as ReactMouseEvent } from 'react';
import { useAppState, useServices } from '../app/appContext';
import { useRunController, useStudio } from '../app/runContext';
import { compareSides } from '../state/compare';
import type { HistoryEntry } from '../state/historyResults';
import { HISTORY_NAME_CHARS, entriesForImage, entryTooltip, formatClock } from '../state/historyResults';
import { entryTitle, formatDuration, runLabel, seedMattered } from '../state/runLabel';
import './HistoryStrip.css';

/**
 * Results of this photo, pinned first, then newest first, each named by what the run did
 * (`Denoise 0.08 · restorer only`) or by the user, with the time it took. Click one to show it
 * (the compare's B side), shift- or ctrl-click one (or its ⇆) to compare against it (the A side;
 * the "Original" tile puts the photo back there), double-click to load its prompts and seed back
 * into the builder, double-click its name (or ✎) to rename it, pin it (pinned ones are never
 * dropped when the list grows long) or delete it.
 */
export function HistoryStrip() {
  const { store } = useServices();
  const run = useRunController();
  const imageId = useAppState((s) => s.image?.id ?? null);
  const history = useStudio((s) => s.history);
  const compare = useStudio((s) => s.compare);
  const [editing, setEditingState] = useState<{ id: string; text: string } | null>(null);
  // Mirrors `editing` at once, so a blur that follows Escape (the field leaving) does not commit the dropped text.
  const editingNow = useRef<{ id: string; text: string } | null>(null);
  const setEditing = (next: { id: string; text: string } | null) => {
    editingNow.current = next;
    setEditingState(next);
  };
  const entries = entriesForImage(history, imageId);
  if (imageId === null) return null;

  const sides = compareSides(history, compare, imageId);
  const showingPair = sides !== null && compare.on;
  const baseId = sides?.before?.id ?? null;

  const setBase = (id: string | null) => store.dispatch({ type: 'compare/base', id });
  const onItemClick = (e: HistoryEntry, ev: ReactMouseEvent) => {
    if (ev.shiftKey || ev.ctrlKey || ev.metaKey) {
      // The A side: this entry (again: back to the original); the entry on screen cannot be its own A.
      if (e.id !== history.currentId) setBase(baseId === e.id ? null : e.id);
      return;
    }
    store.dispatch({ type: 'history/select', id: e.id });
  };
  const commitRename = () => {
    const edit = editingNow.current;
    if (!edit) return;
    setEditing(null);
    store.dispatch({ type: 'history/rename', id: edit.id, name: edit.text });
  };
  const onNameKey = (ev: ReactKeyboardEvent<HTMLInputElement>) => {
    ev.stopPropagation(); // the studio's keys (C, \, Escape) are not for this field
    if (ev.key === 'Enter') commitRename();
    else if (ev.key === 'Escape') setEditing(null);
  };

  return (
    <nav className="history-strip" data-testid="history-strip" aria-label="Results">
      {entries.length === 0 ? <p className="history-empty">Results appear here after a run.</p> : null}
      {entries.length > 0 ? (
        <div className={`history-item history-original-item${showingPair && baseId === null ? ' base' : ''}`}>
          <button
            type="button"
            className="history-thumb history-original"
            data-testid="history-original"
            aria-pressed={baseId === null}
            title="Compare the results with the original photo (it goes on the A side)"
            onClick={() => setBase(null)}
          >
            <span className="history-original-word">Original</span>
            {showingPair && baseId === null ? <span className="history-role">A</span> : null}
          </button>
          <span className="history-label">The photo as opened</span>
        </div>
      ) : null}
      {entries.map((e, i) => {
        const current = e.id === history.currentId;
        const isBase = e.id === baseId;
        const tip = entryTooltip(e);
        const title = entryTitle(e);
        const role = showingPair ? (current ? 'B' : isBase ? 'A' : null) : null;
        // The time the run took, then its seed where it mattered (diffusion), else when it finished (both are in the tooltip).
        const meta = `${formatDuration(e.elapsedMs)} · ${seedMattered(e) ? `seed ${e.seed}` : formatClock(e.finishedAt)}`;
        return (
          <div className={`history-item${current ? ' current' : ''}${isBase ? ' base' : ''}${e.pinned ? ' pinned' : ''}`} key={e.id}>
            <button
              type="button"
              className="history-thumb"
              data-testid={`history-item-${i}`}
              aria-pressed={current}
              title={`${tip}\nShift- or Ctrl-click to compare against it`}
              onClick={(ev) => onItemClick(e, ev)}
              onDoubleClick={(ev) => {
                if (ev.shiftKey || ev.ctrlKey || ev.metaKey) return;
                store.dispatch({ type: 'prompt/load', semantic: e.semanticPrompt, restorationText: e.restorationPrompt });
                run.setSettings({ seed: e.seed, seedLocked: true });
              }}
            >
              {e.thumbnailUrl ? <img src={e.thumbnailUrl} alt={`Result ${i + 1}: ${title}`} draggable={false} /> : <span className="spinner" aria-hidden="true" />}
              {e.estimatedPrompt !== null ? (
                <span className="history-badge" data-testid={`history-estimated-${i}`}>
                  estimated
                </span>
              ) : null}
              {role ? (
                <span className="history-role" data-testid={`history-role-${i}`}>
                  {role}
                </span>
              ) : null}
            </button>
            {editing?.id === e.id ? (
              <input
                className="history-name-input"
                data-testid={`history-name-${i}`}
                aria-label="Name of this result"
                value={editing.text}
                maxLength={HISTORY_NAME_CHARS}
                placeholder={runLabel(e)}
                autoFocus
                onFocus={(ev) => ev.currentTarget.select()}
                onChange={(ev) => setEditing({ id: e.id, text: ev.target.value })}
                onKeyDown={onNameKey}
                onBlur={commitRename}
              />
            ) : (
              <span
                className={`history-label${e.name ? ' named' : ''}`}
                data-testid={`history-label-${i}`}
                title={e.name ? `${e.name}\n${runLabel(e)}\nDouble-click to rename` : `${title}\nDouble-click to rename`}
                onDoubleClick={() => setEditing({ id: e.id, text: e.name ?? '' })}
              >
                {title}
              </span>
            )}
            <span className="history-meta" data-testid={`history-meta-${i}`}>
              {meta}
            </span>
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
              <button
                type="button"
                data-testid={`history-compare-${i}`}
                aria-pressed={isBase}
                disabled={current}
                title={current ? 'This is the result on screen (B); pick another to compare with it' : isBase ? 'Compare with the original instead' : 'Compare with this (it goes on the A side)'}
                onClick={() => setBase(isBase ? null : e.id)}
              >
                ⇆
              </button>
              <button type="button" data-testid={`history-rename-${i}`} title="Rename" onClick={() => setEditing({ id: e.id, text: e.name ?? '' })}>
                ✎
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
