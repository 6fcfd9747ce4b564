// The HTTP transport's plumbing, shared by the main backend (http.ts) and the planning API
// (planning-http.ts): the session travels as the HttpOnly cookie the login sets, and writes carry
// the X-OneMap-Client header the server asks of cookie-authenticated writes.
import { BackendError, type CaseDetail } from './types';

/** Throws the `{code, message}` body of a failed answer as a [`BackendError`]. */
export async function fail(res: Response, body?: unknown): Promise<never> {
  const e = (body ?? (await res.json().catch(() => null))) as { code?: string; message?: string; current?: CaseDetail } | null;
  throw new BackendError(e?.code ?? 'internal', e?.message ?? `${res.status} ${res.statusText}`, e?.current);
}

export async function call<T>(path: string, init?: RequestInit, contentType = 'application/json'): Promise<T> {
  const res = await fetch(path, {
    ...init,
    credentials: 'same-origin',
    headers: { Accept: 'application/json', 'X-OneMap-Client': 'ui', ...(init?.body ? { 'Content-Type': contentType } : {}) },
  });
  if (res.status === 204) return undefined as T;
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) return fail(res, body);
  return body as T;
}

/** A file the server answers (an export, a job's output) as a Blob. */
export async function blob(path: string): Promise<Blob> {
  const res = await fetch(path, { credentials: 'same-origin' });
  if (!res.ok) return fail(res);
  return res.blob();
}

export const get = <T>(path: string) => call<T>(path);
export const post = <T>(path: string, body?: unknown) =>
  call<T>(path, { method: 'POST', body: JSON.stringify(body ?? {}) });
/** Any method; `raw` goes as the body as it is (an uploaded file). */
export const send = <T>(method: string, path: string, body?: unknown, raw?: ArrayBuffer) =>
  raw
    ? call<T>(path, { method, body: raw }, 'application/octet-stream')
    : call<T>(path, { method, body: body === undefined ? undefined : JSON.stringify(body) });

export const enc = encodeURIComponent;

/** `?a=1&b=2` from the defined, non-empty values. */
export function qs(params: object): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${enc(k)}=${enc(String(v))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}
