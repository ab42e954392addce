// The console talks to the public HTTP API only, on the same origin. The API key lives in
// sessionStorage (gone when the tab closes) and travels in the Authorization header, never in a URL.

const KEY_ITEM = 'aisle.apiKey';

export function storedKey(): string | null {
  return sessionStorage.getItem(KEY_ITEM);
}

export function storeKey(key: string | null): void {
  if (key === null) sessionStorage.removeItem(KEY_ITEM);
  else sessionStorage.setItem(KEY_ITEM, key);
}

export interface FieldError {
  field: string;
  value: unknown;
  message: string;
}

/** An API error: the status, the API's message and, for a 400, every field error. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
  }

  /** The messages for one field (and its sub-fields, e.g. `polygon` gets `polygon[0].x`). */
  forField(field: string): string | undefined {
    const hits = this.fields.filter(
      (f) =>
        f.field === field || f.field.startsWith(`${field}.`) || f.field.startsWith(`${field}[`),
    );
    return hits.length ? hits.map((f) => `${f.field}: ${f.message}`).join('; ') : undefined;
  }
}

type Json = object;

async function failure(res: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // not JSON
  }
  const record = (body ?? {}) as { message?: unknown; errors?: unknown };
  const message =
    typeof record.message === 'string'
      ? record.message
      : Array.isArray(record.message)
        ? record.message.join('; ')
        : `${res.status} ${res.statusText}`;
  const fields = Array.isArray(record.errors) ? (record.errors as FieldError[]) : [];
  return new ApiError(res.status, message, fields);
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const key = storedKey();
  return { ...(key ? { authorization: `Bearer ${key}` } : {}), ...extra };
}

export async function request<T>(
  method: string,
  path: string,
  body?: Json | Blob | File,
  init: { accept?: string; contentType?: string } = {},
): Promise<T> {
  const isBinary = body instanceof Blob;
  const res = await fetch(path, {
    method,
    headers: headers({
      accept: init.accept ?? 'application/json',
      ...(body === undefined
        ? {}
        : { 'content-type': init.contentType ?? (isBinary ? body.type : 'application/json') }),
    }),
    ...(body === undefined ? {} : { body: isBinary ? body : JSON.stringify(body) }),
  });
  if (!res.ok) throw await failure(res);
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('json')) return (await res.json()) as T;
  return (await res.text()) as T;
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body?: Json) => request<T>('POST', path, body ?? {}),
  patch: <T>(path: string, body: Json) => request<T>('PATCH', path, body),
  put: <T>(path: string, body: Json | Blob) => request<T>('PUT', path, body),
  delete: <T>(path: string) => request<T>('DELETE', path),
  /** A binary resource (floor-plan image, CSV) as a Blob, or null on 404. */
  async blob(path: string, accept = '*/*'): Promise<Blob | null> {
    const res = await fetch(path, { headers: headers({ accept }) });
    if (res.status === 404) return null;
    if (!res.ok) throw await failure(res);
    return res.blob();
  },
};

/**
 * Reads a Server-Sent Events stream with fetch (so the key goes in a header, not the URL) and calls
 * `onEvent` for each event until `signal` aborts. Resolves when the stream ends.
 */
export async function readEvents(
  path: string,
  onEvent: (type: string, data: string) => void,
  signal: AbortSignal,
): Promise<void> {
  const res = await fetch(path, { headers: headers({ accept: 'text/event-stream' }), signal });
  if (!res.ok || !res.body) throw await failure(res);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
      let type = 'message';
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith('event:')) type = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length) onEvent(type, data.join('\n'));
    }
  }
}
