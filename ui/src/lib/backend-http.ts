// A Backend over HTTP, for benchmarks only: the same UI build runs in a plain
// browser (Chromium in `crates/native-e2e/benches/startup`) against a test
// server that answers the Tauri commands as JSON. main.ts loads this module
// only for `?backend=http`, so it never enters the app's startup path.
//
// The wire is the commands' own: `POST /cmd/<command>` with the arguments
// object Tauri's `invoke` would get (camelCase keys, as the generated
// bindings send them), answered with the command's result (200) or its
// `ErrorBody` (any other status). Broadcasts arrive as server-sent events on
// `GET /events`, named as the Tauri events are. Chat, dialogs and opening
// things are not served: they answer `not_configured` without a request.
import type { Backend, ChatEvent, Outcome } from './backend';
import { toErrorBody } from './errors';

/** The outcome of `POST /cmd/<name>`: the result, or the ErrorBody the server sent. */
export async function command<T>(base: string, name: string, args: Record<string, unknown> = {}): Promise<Outcome<T>> {
  let response: Response;
  try {
    response = await fetch(`${base}/cmd/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(args),
    });
  } catch (error) {
    return { status: 'error', error: { code: 'offline', message: String(error) } };
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch (error) {
    return { status: 'error', error: toErrorBody(error) };
  }
  return response.ok ? { status: 'ok', data: body as T } : { status: 'error', error: toErrorBody(body) };
}

/** For the commands that cannot fail in Tauri: a failure here is a broken test server, so it throws. */
async function infallible<T>(base: string, name: string, args: Record<string, unknown> = {}): Promise<T> {
  const result = await command<T>(base, name, args);
  if (result.status === 'error') throw new Error(`${name}: ${result.error.code}: ${result.error.message}`);
  return result.data;
}

function unavailable<T>(what: string): Promise<Outcome<T>> {
  return Promise.resolve({
    status: 'error',
    error: { code: 'not_configured', message: `${what} is not available in the web shell` },
  });
}

/**
 * One `EventSource` for every subscription, opened at the first and closed
 * with the last, so a page holds a single connection to the server.
 */
class Events {
  #source: EventSource | null = null;
  #count = 0;
  readonly #url: string;

  constructor(url: string) {
    this.#url = url;
  }

  subscribe<T>(name: string, listener: (payload: T) => void): () => void {
    this.#source ??= new EventSource(this.#url);
    const source = this.#source;
    this.#count += 1;
    let active = true;
    const handler = (event: Event) => {
      if (active) listener(JSON.parse((event as MessageEvent<string>).data) as T);
    };
    source.addEventListener(name, handler);
    return () => {
      if (!active) return;
      active = false;
      source.removeEventListener(name, handler);
      this.#count -= 1;
      if (this.#count === 0 && this.#source === source) {
        source.close();
        this.#source = null;
      }
    };
  }
}

/** The Backend talking to the test server at `base` (an origin, no trailing slash). */
export function httpBackend(base: string): Backend {
  const events = new Events(`${base}/events`);
  const call = <T>(name: string, args?: Record<string, unknown>) => command<T>(base, name, args);
  const chat = (_onEvent: (event: ChatEvent) => void) => unavailable<never>('chat');
  return {
    appInfo: () => infallible(base, 'app_info'),
    serverStatus: () => call('server_status'),
    authState: () => infallible(base, 'auth_state'),
    launchState: () => infallible(base, 'launch_state'),
    signIn: (email, password) => call('sign_in', { email, password }),
    signUp: (email, password) => call('sign_up', { email, password }),
    requestPasswordReset: (email) => call('request_password_reset', { email }),
    setNewPassword: (password) => call('set_new_password', { password }),
    startOauth: () => unavailable('browser sign-in'),
    async cancelOauth() {
      await call('cancel_oauth');
    },
    signOut: () => call('sign_out'),
    onAuthChanged: (listener) => events.subscribe('auth-changed', listener),

    listConversations: () => call('list_conversations'),
    historyVisible: (pageMs) => infallible(base, 'history_visible', { pageMs }),
    conversationMessages: (id) => call('conversation_messages', { id }),
    searchHistory: (query) => call('search_history', { query }),
    renameConversation: (id, title) => call('rename_conversation', { id, title }),
    deleteConversation: (id) => call('delete_conversation', { id }),
    syncHistory: () => call('sync_history'),
    syncStatus: () => infallible(base, 'sync_status'),
    exportConversation: () => unavailable('export'),
    exportHistory: () => unavailable('export'),
    importHistory: () => unavailable('import'),
    chooseSavePath: () => unavailable('the file dialog'),
    chooseOpenPath: () => unavailable('the file dialog'),
    onSyncChanged: (listener) => events.subscribe('sync-changed', listener),
    onHistoryChanged: (listener) => events.subscribe('history-changed', listener),
    onCacheNotice: (listener) => events.subscribe('cache-noticed', listener),

    sendMessage: (_conversationId, _text, _attachments, _options, onEvent) => chat(onEvent),
    regenerateReply: (_conversationId, _options, onEvent) => chat(onEvent),
    editAndResend: (_messageId, _text, _options, onEvent) => chat(onEvent),
    async stopChat() {
      // No reply ever runs here.
    },
    chatModels: () => call('chat_models'),
    openExternal: () => unavailable('opening links'),

    pickAttachments: () => unavailable('the file dialog'),
    attachPasted: () => unavailable('attachments'),
    removeAttachment: (id) => infallible(base, 'remove_attachment', { id }),
    pendingAttachments: () => infallible(base, 'pending_attachments'),
    openAttachment: () => unavailable('opening files'),
    attachmentsOnDevice: (conversationId) => call('attachments_on_device', { conversationId }),
    onAttachmentsChanged: (listener) => events.subscribe('attachments-changed', listener),
    // A browser page gets no file drags from the OS here.
    onFileDrag: () => () => undefined,

    quota: () => call('quota'),
    plans: () => call('plans'),
    openCheckout: () => unavailable('checkout'),
    onQuotaChanged: (listener) => events.subscribe('quota-changed', listener),
  };
}
