/** Renderer entry: build the store, controller and canvas editor once, then render the app. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { AppContext } from './app/appContext';
import type { AppServices } from './app/appContext';
import { createBatchRuns } from './app/batchRuns';
import { createController } from './app/controller';
import { createPhotoSessions } from './app/photoSessions';
import { resultImages } from './app/resultImages';
import { bitmapSources } from './canvas/bitmapCache';
import { Editor } from './canvas/editor';
import { appReducer, initialAppState } from './state/appState';
import { withCompareFit } from './state/compareFit';
import { createStore } from './state/store';
import './styles/base.css';

const store = createStore(withCompareFit(appReducer), initialAppState);
// Each open photo's session: restored when it opens, saved as it changes (app/photoSessions.ts).
const sessions = createPhotoSessions(store, window.spire, resultImages);
sessions.watch();
window.addEventListener('beforeunload', () => void sessions.flush());
const services: AppServices = {
  store,
  controller: createController(store, window.spire, bitmapSources, sessions),
  editor: new Editor(store),
  batch: createBatchRuns(store, window.spire),
  sessions,
};

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root element.');

createRoot(container).render(
  <StrictMode>
    <AppContext.Provider value={services}>
      <App />
    </AppContext.Provider>
  </StrictMode>,
);
