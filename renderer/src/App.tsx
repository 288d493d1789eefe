import { useEffect } from 'react';
import { useAppState, useServices } from './app/appContext';
import { useWindowInput } from './app/useWindowInput';
import { CanvasView } from './components/CanvasView';
import { DropOverlay } from './components/DropOverlay';
import { EmptyState } from './components/EmptyState';
import { ErrorBanner } from './components/ErrorBanner';
import { StatusBar } from './components/StatusBar';
import { Toolbar } from './components/Toolbar';
import './App.css';

/** The window: toolbar on top, the canvas filling the middle, the status bar at the bottom. */
export function App() {
  const services = useServices();
  const hasImage = useAppState((s) => s.image !== null);
  const dragging = useAppState((s) => s.dragDepth > 0);
  useWindowInput(services);

  useEffect(() => services.controller.watchEngine(), [services]);

  return (
    <div className="app" data-testid="app-root">
      <Toolbar />
      <main className="workspace">
        <CanvasView />
        {hasImage ? null : <EmptyState />}
        {/* Floats over the canvas so an error does not move the photo. */}
        <ErrorBanner />
      </main>
      <StatusBar />
      {dragging ? <DropOverlay /> : null}
    </div>
  );
}
