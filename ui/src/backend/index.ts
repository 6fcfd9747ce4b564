// Picks the transport at start-up: inside the Tauri window, invoke/events; anywhere else,
// HTTP + SSE against the origin that served the page.
import { HttpBackend } from './http';
import { TauriBackend } from './tauri';
import type { Backend } from './types';

export * from './types';

export function isTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

export function createBackend(): Backend {
  return isTauri() ? new TauriBackend() : new HttpBackend();
}
