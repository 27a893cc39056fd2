// The benchmark's HTTP Backend: each call is `POST /cmd/<command>` with the
// arguments `invoke` would get; a 200 is the result, any other status the
// ErrorBody; broadcasts come from one shared EventSource by event name.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { httpBackend } from './backend-http';

const BASE = 'http://127.0.0.1:4000';

function respond(status: number, body: unknown) {
  return Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }));
}

class FakeEventSource {
  static last: FakeEventSource | null = null;
  listeners = new Map<string, Set<(event: Event) => void>>();
  closed = false;
  constructor(readonly url: string) {
    FakeEventSource.last = this;
  }
  addEventListener(name: string, handler: (event: Event) => void) {
    if (!this.listeners.has(name)) this.listeners.set(name, new Set());
    this.listeners.get(name)?.add(handler);
  }
  removeEventListener(name: string, handler: (event: Event) => void) {
    this.listeners.get(name)?.delete(handler);
  }
  close() {
    this.closed = true;
  }
  emit(name: string, payload: unknown) {
    for (const handler of this.listeners.get(name) ?? []) handler(new MessageEvent(name, { data: JSON.stringify(payload) }));
  }
}

describe('httpBackend', () => {
  const fetchMock = vi.fn();

  beforeEach(() => {
    fetchMock.mockReset();
    vi.stubGlobal('fetch', fetchMock);
    vi.stubGlobal('EventSource', FakeEventSource);
  });

  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('posts the command with the arguments invoke would get and returns its result', async () => {
    const messages = [{ id: 'm1' }];
    fetchMock.mockReturnValueOnce(respond(200, messages));
    const result = await httpBackend(BASE).conversationMessages('c1');
    expect(fetchMock).toHaveBeenCalledWith(`${BASE}/cmd/conversation_messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'c1' }),
    });
    expect(result).toEqual({ status: 'ok', data: messages });
  });

  it('sends camelCase argument names, as the generated bindings do', async () => {
    fetchMock.mockReturnValueOnce(respond(200, []));
    await httpBackend(BASE).attachmentsOnDevice('c9');
    expect(fetchMock.mock.calls[0]?.[1]?.body).toBe(JSON.stringify({ conversationId: 'c9' }));
  });

  it('turns an error status into the ErrorBody the server sent', async () => {
    fetchMock.mockReturnValueOnce(respond(401, { code: 'unauthorized', message: 'signed out' }));
    expect(await httpBackend(BASE).listConversations()).toEqual({
      status: 'error',
      error: { code: 'unauthorized', message: 'signed out' },
    });
  });

  it('reports an unreachable server as offline and a malformed error as internal', async () => {
    fetchMock.mockReturnValueOnce(Promise.reject(new TypeError('connection refused')));
    const offline = await httpBackend(BASE).quota();
    expect(offline.status === 'error' && offline.error.code).toBe('offline');
    fetchMock.mockReturnValueOnce(respond(500, { oops: true }));
    const broken = await httpBackend(BASE).plans();
    expect(broken.status === 'error' && broken.error.code).toBe('internal');
  });

  it('throws for a failed command that cannot fail in Tauri', async () => {
    fetchMock.mockReturnValueOnce(respond(500, { code: 'internal', message: 'boom' }));
    await expect(httpBackend(BASE).authState()).rejects.toThrow('auth_state: internal: boom');
  });

  it('answers chat without a request: it is not served', async () => {
    const result = await httpBackend(BASE).sendMessage(null, 'hi', [], { mode: 'standard', model: null }, () => undefined);
    expect(result.status === 'error' && result.error.code).toBe('not_configured');
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('delivers broadcasts by event name over one EventSource, closed with the last subscription', () => {
    const backend = httpBackend(BASE);
    const auth = vi.fn();
    const history = vi.fn();
    const stopAuth = backend.onAuthChanged(auth);
    const stopHistory = backend.onHistoryChanged(history);
    const source = FakeEventSource.last;
    expect(source?.url).toBe(`${BASE}/events`);
    source?.emit('auth-changed', { status: 'restoring' });
    source?.emit('history-changed', 3);
    expect(auth).toHaveBeenCalledWith({ status: 'restoring' });
    expect(history).toHaveBeenCalledWith(3);
    stopAuth();
    source?.emit('auth-changed', { status: 'restoring' });
    expect(auth).toHaveBeenCalledTimes(1);
    expect(source?.closed).toBe(false);
    stopHistory();
    expect(source?.closed).toBe(true);
  });
});
