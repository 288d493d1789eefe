// `window.spire` is what the preload exposes (preload/contract/channels.ts). It is
// optional here on purpose: opened outside Electron (a plain browser) it is missing,
// and the app says so instead of crashing.
import type { SpireApi } from '../../preload/contract/channels';

declare global {
  interface Window {
    spire?: SpireApi;
  }
}

export {};
