import { useEffect, useMemo } from 'react';
import { useAppState, useServices } from './app/appContext';
import { watchEstimates } from './app/estimateController';
import { resultImages } from './app/resultImages';
import { RunContext } from './app/runContext';
import { createRunController } from './app/runController';
import { useStudioKeys } from './app/useStudioKeys';
import { useWindowInput } from './app/useWindowInput';
import { CanvasView } from './components/CanvasView';
import { CompareView } from './components/CompareView';
import { DropOverlay } from './components/DropOverlay';
import { EmptyState } from './components/EmptyState';
import { ErrorBanner } from './components/ErrorBanner';
import { ExportDialog } from './components/ExportDialog';
import { HelpPanel } from './components/HelpPanel';
import { HistoryStrip } from './components/HistoryStrip';
import { BatchDialog } from './components/BatchDialog';
import { PhotoTabs } from './components/PhotoTabs';
import { ImportDialog } from './components/ImportDialog';
import { ProgressOverlay } from './components/ProgressOverlay';
import { PromptPanel } from './components/PromptPanel';
import { RegionsPanel } from './components/RegionsPanel';
import { RunPanel } from './components/RunPanel';
import { StatusBar } from './components/StatusBar';
import { SweepDialog } from './components/SweepDialog';
import { Toolbar } from './components/Toolbar';
import { BrushBar, ToolPalette } from './components/ToolPalette';
import './App.css';

/**
 * The window: toolbar on top; the canvas in the middle with the sidebar (prompts, run
 * settings, regions) on its right; the history strip and the status bar at the bottom.
 */
export function App() {
  const services = useServices();
  const hasImage = useAppState((s) => s.image !== null);
  const dragging = useAppState((s) => s.dragDepth > 0);
  const compareOn = useAppState((s) => s.studio.compare.on);
  const dialog = useAppState((s) => s.studio.dialog);
  const run = useMemo(() => createRunController(services.store, window.spire, resultImages), [services]);
  useWindowInput(services);
  useStudioKeys(services, run);

  useEffect(() => services.controller.watchEngine(), [services]);
  useEffect(() => run.start(), [run]);
  useEffect(() => watchEstimates(services.store, window.spire), [services]);
  useEffect(() => services.batch.listen(), [services]);

  return (
    <RunContext.Provider value={run}>
      <div className="app" data-testid="app-root">
        <Toolbar />
        <PhotoTabs />
        <div className="app-body">
          <ToolPalette />
          <main className="workspace">
            <CanvasView />
            <BrushBar />
            {compareOn ? <CompareView /> : null}
            {hasImage ? null : <EmptyState />}
            <ProgressOverlay />
            {/* Floats over the canvas so an error does not move the photo. */}
            <ErrorBanner />
          </main>
          <aside className="sidebar" aria-label="Prompts and settings">
            <RegionsPanel />
            <PromptPanel />
            <RunPanel />
          </aside>
        </div>
        <HistoryStrip />
        <StatusBar />
        {dragging ? <DropOverlay /> : null}
        {dialog === 'help' ? <HelpPanel /> : null}
        {dialog === 'export' ? <ExportDialog /> : null}
        {dialog === 'sweep' ? <SweepDialog /> : null}
        {dialog === 'import' ? <ImportDialog /> : null}
        {dialog === 'batch' ? <BatchDialog /> : null}
      </div>
    </RunContext.Provider>
  );
}
