/**
 * The canvas tools down the left edge (brush, eraser, rectangle, lasso, fill, pan), undo
 * and redo under them, and a context bar over the canvas with the brush's size and
 * hardness. Choosing a tool goes through the editor (which runs the tool's state
 * machine); everything shown is read from the store.
 */
import type { ReactNode } from 'react';
import { useAppState, useServices } from '../app/appContext';
import { useCanvasKeys } from '../canvas/useCanvasKeys';
import type { ToolId } from '../state/regions';
import { BRUSH_SIZE_RANGE, redoLabel, undoLabel } from '../state/regions';
import './ToolPalette.css';

function Icon({ children }: { children: ReactNode }) {
  return (
    <svg viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      {children}
    </svg>
  );
}

const TOOLS: readonly { id: ToolId; label: string; key: string; icon: ReactNode }[] = [
  { id: 'brush', label: 'Brush', key: 'B', icon: <Icon><path d="M4 20c3 0 5-1.5 5-4a3 3 0 0 1 3-3l8-8-2-2-8 8a3 3 0 0 1-3 3" /><circle cx="7" cy="17" r="1" /></Icon> },
  { id: 'eraser', label: 'Eraser', key: 'E', icon: <Icon><path d="M8 20h12M5 15l8-8 5 5-8 8H8z" /><path d="M9 11l5 5" /></Icon> },
  { id: 'rect', label: 'Rectangle', key: 'M', icon: <Icon><rect x="4" y="6" width="16" height="12" rx="1" strokeDasharray="3 2" /></Icon> },
  { id: 'lasso', label: 'Lasso', key: 'L', icon: <Icon><path d="M12 5c5 0 8 2 8 5s-4 5-8 5-8-2-8-5 3-5 8-5z" strokeDasharray="3 2" /><path d="M7 14c-1 2 0 4 2 5" /></Icon> },
  { id: 'fill', label: 'Fill', key: 'G', icon: <Icon><path d="M5 11l6-6 8 8-6 6z" /><path d="M19 16c1 1.5 1.5 2.5 1.5 3a1.5 1.5 0 0 1-3 0c0-.5.5-1.5 1.5-3z" /><path d="M5 11h14" /></Icon> },
  { id: 'pan', label: 'Pan', key: 'H', icon: <Icon><path d="M8 12V6a1.5 1.5 0 0 1 3 0v5M11 11V4.5a1.5 1.5 0 0 1 3 0V11M14 11V6a1.5 1.5 0 0 1 3 0v7c0 4-2.5 7-6 7s-5-2-7-5l-1-2a1.5 1.5 0 0 1 2.5-1.5L8 14" /></Icon> },
];

const UndoIcon = () => <Icon><path d="M9 14L4 9l5-5" /><path d="M4 9h10a6 6 0 0 1 0 12h-3" /></Icon>;
const RedoIcon = () => <Icon><path d="M15 14l5-5-5-5" /><path d="M20 9H10a6 6 0 0 0 0 12h3" /></Icon>;

const accel = typeof navigator !== 'undefined' && /Mac/.test(navigator.platform) ? 'Cmd' : 'Ctrl';

export function ToolPalette() {
  const services = useServices();
  const { editor } = services;
  useCanvasKeys(services);
  const tool = useAppState((s) => s.regions.tool);
  const hasImage = useAppState((s) => s.image !== null);
  const undo = useAppState((s) => undoLabel(s.regions));
  const redo = useAppState((s) => redoLabel(s.regions));

  return (
    <nav
      className="tool-palette"
      aria-label="Canvas tools"
      // Clicking a tool should not leave a focus ring on it; Tab still reaches them.
      onMouseDown={(e) => {
        if (e.target instanceof Element && e.target.closest('button')) e.preventDefault();
      }}
    >
      {TOOLS.map((t) => (
        <button
          key={t.id}
          type="button"
          className={`tp-tool${tool === t.id ? ' tp-active' : ''}`}
          data-testid={`tool-${t.id}`}
          aria-label={t.label}
          aria-pressed={tool === t.id}
          title={`${t.label} (${t.key})${t.id === 'pan' ? '' : t.id === 'eraser' ? '' : ' — Alt subtracts'}`}
          onClick={() => editor.setTool(t.id)}
        >
          {t.icon}
        </button>
      ))}
      <div className="tp-spacer" />
      <button
        type="button"
        className="tp-tool"
        data-testid="undo"
        aria-label="Undo"
        title={undo ? `Undo ${undo} (${accel}+Z)` : 'Nothing to undo'}
        disabled={!hasImage || !undo}
        onClick={() => editor.undo()}
      >
        <UndoIcon />
      </button>
      <button
        type="button"
        className="tp-tool"
        data-testid="redo"
        aria-label="Redo"
        title={redo ? `Redo ${redo} (${accel}+Shift+Z)` : 'Nothing to redo'}
        disabled={!hasImage || !redo}
        onClick={() => editor.redo()}
      >
        <RedoIcon />
      </button>
    </nav>
  );
}

/** Brush size and hardness, shown over the canvas while the brush or eraser is active. */
export function BrushBar() {
  const { store } = useServices();
  const tool = useAppState((s) => s.regions.tool);
  const size = useAppState((s) => s.regions.brush.size);
  const hardness = useAppState((s) => s.regions.brush.hardness);
  const hasImage = useAppState((s) => s.image !== null);
  if (!hasImage || (tool !== 'brush' && tool !== 'eraser')) return null;
  return (
    <div className="brush-bar" role="group" aria-label="Brush">
      <label className="bb-field" title="Brush diameter in image pixels ([ and ] change it)">
        <span>Size</span>
        <input
          type="range"
          data-testid="brush-size"
          min={BRUSH_SIZE_RANGE.min}
          max={BRUSH_SIZE_RANGE.max}
          value={size}
          onChange={(e) => store.dispatch({ type: 'regions/brush', brush: { size: Number(e.target.value) } })}
        />
        <output>{size} px</output>
      </label>
      <label className="bb-field" title="Hard edge (100 %) or soft falloff (0 %)">
        <span>Hardness</span>
        <input
          type="range"
          data-testid="brush-hardness"
          min={0}
          max={100}
          value={Math.round(hardness * 100)}
          onChange={(e) => store.dispatch({ type: 'regions/brush', brush: { hardness: Number(e.target.value) / 100 } })}
        />
        <output>{Math.round(hardness * 100)} %</output>
      </label>
    </div>
  );
}
