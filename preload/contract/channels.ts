/**
 * The one IPC contract between the renderer and the main process.
 *
 * This file imports nothing: main, preload and renderer all read it, so it is
 * the only thing they share. Every channel lives under the `spire:` prefix.
 *
 *   InvokeChannels  renderer -> main, request/response (ipcRenderer.invoke)
 *   EventChannels   main -> renderer, fire-and-forget (webContents.send)
 *
 * Main validates every request against `schemas.ts` before a handler sees it,
 * because the renderer is untrusted.
 */

export const CHANNEL_PREFIX = 'spire:' as const;

/** An image the user opened, as the renderer receives it. */
export interface OpenedImage {
  /** Opaque id main assigns; later requests name the image by this id, never by path. */
  id: string;
  /** File name only (no directory), for display. */
  name: string;
  width: number;
  height: number;
  /** MIME type of `bytes` (the renderer decodes these for display). */
  mime: 'image/png' | 'image/jpeg' | 'image/webp';
  /** Encoded image bytes ready for display (EXIF orientation already applied). */
  bytes: Uint8Array;
}

export type EngineState = 'starting' | 'ready' | 'busy' | 'crashed' | 'restarting' | 'stopped';

export interface EngineStatus {
  state: EngineState;
  /** The model pack currently loaded, or null when none is. */
  pack: { name: string; dir: string } | null;
  /** Execution provider actually in use (e.g. 'cpu', 'cuda', 'webgpu'), or null before a pack loads. */
  provider: string | null;
  /** Plain-words explanation when something went wrong (pack failed to load, worker crashed, provider fell back). */
  message: string | null;
}

export interface AppInfo {
  name: string;
  version: string;
  platform: string;
}

/** A user-facing failure: what happened and what to do about it. */
export interface IpcError {
  code: string;
  message: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: IpcError };

/** renderer -> main: request type and response type per channel. */
export interface InvokeChannels {
  'spire:app:info': { request: Record<string, never>; response: AppInfo };
  /** Shows the OS open dialog; `null` when the user cancelled. */
  'spire:image:open-dialog': { request: Record<string, never>; response: Result<OpenedImage | null> };
  /** A file the user dropped on (or pasted into) the window: the renderer sends its bytes, never a path. */
  'spire:image:open-bytes': { request: { name: string; bytes: Uint8Array }; response: Result<OpenedImage> };
  'spire:engine:status': { request: Record<string, never>; response: EngineStatus };
}

/** main -> renderer events and their payloads. */
export interface EventChannels {
  'spire:engine:status-changed': EngineStatus;
}

export type InvokeChannel = keyof InvokeChannels;
export type EventChannel = keyof EventChannels;
export type RequestOf<C extends InvokeChannel> = InvokeChannels[C]['request'];
export type ResponseOf<C extends InvokeChannel> = InvokeChannels[C]['response'];

/** Runtime lists of the channel names, checked against the types above. */
export const INVOKE_CHANNELS = [
  'spire:app:info',
  'spire:image:open-dialog',
  'spire:image:open-bytes',
  'spire:engine:status',
] as const satisfies readonly InvokeChannel[];

export const EVENT_CHANNELS = ['spire:engine:status-changed'] as const satisfies readonly EventChannel[];

/**
 * What the preload exposes on `window.spire`: purpose-named functions only.
 * There is deliberately no generic `invoke(channel, ...)`.
 */
export interface SpireApi {
  app: {
    info(): Promise<AppInfo>;
  };
  image: {
    openDialog(): Promise<Result<OpenedImage | null>>;
    openBytes(name: string, bytes: Uint8Array): Promise<Result<OpenedImage>>;
  };
  engine: {
    status(): Promise<EngineStatus>;
    /** Subscribes to status changes; returns the unsubscribe function. */
    onStatus(listener: (status: EngineStatus) => void): () => void;
  };
}
