/**
 * Preload (sandboxed, context-isolated): exposes `window.spire` and nothing else.
 * Bundled into one CommonJS file; `electron` is its only import at run time.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createSpireApi } from './api';

contextBridge.exposeInMainWorld('spire', createSpireApi(ipcRenderer));
