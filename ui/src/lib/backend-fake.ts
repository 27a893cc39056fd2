// The in-memory Backend used by Vitest and by `npm run dev` in a plain
// browser. Its answers are plain fields a test can set; it counts calls. The
// auth calls go to an in-memory account system (`fake-auth.ts`, as `.auth`),
// the history calls to an in-memory history (`fake-history.ts`, as
// `.history`) that follows the session, the chat calls to scripted replies
// stored in that history (`fake-chat.ts`, as `.chat`), the billing calls to
// an in-memory quota per user (`fake-billing.ts`, as `.billing`) that each
// reply spends from. Links the UI opens are recorded in `.opened`. In the browser, `?server=offline`
// (or any error code) shows that failure, `?auth=...` picks the session
// state at launch, `?history=...` the history and `?billing=...` the quota
// (see devFakeBackend).
import type {
  AppInfo,
  AttachmentId,
  AuthState,
  Backend,
  CacheNotice,
  ChatEvent,
  ChatOptions,
  ChatOutcome,
  ConversationItem,
  ErrorBody,
  ExportFormat,
  FileDialogRequest,
  ImportReport,
  LaunchState,
  MessageItem,
  OAuthProvider,
  Outcome,
  PendingAttachments,
  Plans,
  Product,
  Quota,
  SearchHit,
  ServerStatus,
  SignUpResult,
  SyncStatus,
} from './backend';
import { isErrorCode } from './errors';
import { FakeAttachments } from './fake-attachments';
import { FakeAuth, type FakeAuthOptions } from './fake-auth';
import { FakeBilling, type FakeBillingOptions } from './fake-billing';
import { FakeChat, type FakeChatOptions } from './fake-chat';
import { FakeHistory, type FakeHistoryOptions } from './fake-history';
import { longConversation, seedConversations } from './fake-history-seed';

export const FAKE_APP_INFO: AppInfo = {
  name: 'Native AI',
  version: '0.1.0-dev',
  supabaseUrl: 'http://127.0.0.1:54321',
  nativeApiUrl: 'http://127.0.0.1:8787',
};

export const FAKE_SERVER_STATUS: ServerStatus = {
  provider: 'demo',
  model: 'demo-echo',
  version: '0.1.0',
};

/** The account `npm run dev` starts with. */
export const DEV_ACCOUNT = { email: 'demo@example.com', password: 'demo-password' };

export interface FakeBackendOptions {
  appInfo?: AppInfo | ErrorBody | Error;
  serverStatus?: Outcome<ServerStatus>;
  auth?: FakeAuthOptions;
  history?: FakeHistoryOptions;
  chat?: FakeChatOptions;
  billing?: FakeBillingOptions;
  /** Milliseconds before each answer, to see loading states in the browser. */
  delayMs?: number;
}

export class FakeBackend implements Backend {
  appInfoResult: AppInfo | ErrorBody | Error;
  serverStatusResult: Outcome<ServerStatus>;
  delayMs: number;
  calls = { appInfo: 0, serverStatus: 0 };
  readonly auth: FakeAuth;
  readonly history: FakeHistory;
  readonly chat: FakeChat;
  readonly billing: FakeBilling;
  readonly attachments = new FakeAttachments();
  /** Every URL `openExternal` was asked to open. */
  opened: string[] = [];
  /** What `openExternal` does besides recording (the dev build opens a tab). */
  onOpen: ((url: string) => void) | null = null;

  constructor(options: FakeBackendOptions = {}) {
    this.appInfoResult = options.appInfo ?? FAKE_APP_INFO;
    this.serverStatusResult = options.serverStatus ?? { status: 'ok', data: FAKE_SERVER_STATUS };
    this.delayMs = options.delayMs ?? 0;
    this.auth = new FakeAuth(options.auth, () => this.#delay());
    this.history = new FakeHistory(options.history, () => this.#delay());
    this.billing = new FakeBilling(options.billing, () => this.#delay());
    this.chat = new FakeChat(this.history, options.chat, this.billing);
    // Subscribed first, so history and billing follow the session before the UI hears of it.
    this.#follow(this.auth.state);
    this.auth.onAuthChanged((state) => this.#follow(state));
  }

  #follow(state: AuthState): void {
    this.history.setSignedIn(state.status === 'signedIn');
    this.billing.setUser(state.status === 'signedIn' ? state.user.id : null);
  }

  async appInfo(): Promise<AppInfo> {
    this.calls.appInfo += 1;
    await this.#delay();
    const result = this.appInfoResult;
    if (result instanceof Error || 'code' in result) throw result;
    return { ...result };
  }

  async serverStatus(): Promise<Outcome<ServerStatus>> {
    this.calls.serverStatus += 1;
    await this.#delay();
    return JSON.parse(JSON.stringify(this.serverStatusResult)) as Outcome<ServerStatus>;
  }

  authState(): Promise<AuthState> {
    return this.auth.authState();
  }
  async launchState(): Promise<LaunchState> {
    const auth = await this.auth.authState();
    if (auth.status !== 'signedIn') return { auth, conversations: null };
    const list = await this.history.listConversations();
    return { auth, conversations: list.status === 'ok' ? list.data : null };
  }
  signIn(email: string, password: string): Promise<Outcome<AuthState>> {
    return this.auth.signIn(email, password);
  }
  signUp(email: string, password: string): Promise<Outcome<SignUpResult>> {
    return this.auth.signUp(email, password);
  }
  requestPasswordReset(email: string): Promise<Outcome<null>> {
    return this.auth.requestPasswordReset(email);
  }
  setNewPassword(password: string): Promise<Outcome<AuthState>> {
    return this.auth.setNewPassword(password);
  }
  startOauth(provider: OAuthProvider): Promise<Outcome<AuthState>> {
    return this.auth.startOauth(provider);
  }
  cancelOauth(): Promise<void> {
    return this.auth.cancelOauth();
  }
  signOut(): Promise<Outcome<AuthState>> {
    return this.auth.signOut();
  }
  onAuthChanged(listener: (state: AuthState) => void): () => void {
    return this.auth.onAuthChanged(listener);
  }

  listConversations(): Promise<Outcome<ConversationItem[]>> {
    return this.history.listConversations();
  }

  /** The startup figure only goes to the app's log; nothing to keep here. */
  historyVisible(): Promise<void> {
    return Promise.resolve();
  }

  conversationMessages(id: string): Promise<Outcome<MessageItem[]>> {
    return this.history.conversationMessages(id);
  }
  searchHistory(query: string): Promise<Outcome<SearchHit[]>> {
    return this.history.searchHistory(query);
  }
  renameConversation(id: string, title: string): Promise<Outcome<null>> {
    return this.history.renameConversation(id, title);
  }
  deleteConversation(id: string): Promise<Outcome<null>> {
    return this.history.deleteConversation(id);
  }
  syncHistory(): Promise<Outcome<SyncStatus>> {
    return this.history.syncHistory();
  }
  syncStatus(): Promise<SyncStatus> {
    return this.history.syncStatus();
  }
  exportConversation(id: string, format: ExportFormat, path: string): Promise<Outcome<null>> {
    return this.history.exportConversation(id, format, path);
  }
  exportHistory(path: string): Promise<Outcome<null>> {
    return this.history.exportHistory(path);
  }
  importHistory(path: string): Promise<Outcome<ImportReport>> {
    return this.history.importHistory(path);
  }
  chooseSavePath(request: FileDialogRequest): Promise<Outcome<string | null>> {
    return this.history.chooseSavePath(request);
  }
  chooseOpenPath(request: FileDialogRequest): Promise<Outcome<string | null>> {
    return this.history.chooseOpenPath(request);
  }
  onSyncChanged(listener: (status: SyncStatus) => void): () => void {
    return this.history.onSyncChanged(listener);
  }
  onHistoryChanged(listener: (revision: number) => void): () => void {
    return this.history.onHistoryChanged(listener);
  }
  onCacheNotice(listener: (notice: CacheNotice) => void): () => void {
    return this.history.onCacheNotice(listener);
  }

  sendMessage(
    conversationId: string | null,
    text: string,
    attachments: AttachmentId[],
    options: ChatOptions,
    onEvent: (event: ChatEvent) => void,
  ): Promise<Outcome<ChatOutcome>> {
    return this.chat.sendMessage(conversationId, text, options, onEvent, this.attachments.take(attachments));
  }
  regenerateReply(conversationId: string, options: ChatOptions, onEvent: (event: ChatEvent) => void): Promise<Outcome<ChatOutcome>> {
    return this.chat.regenerateReply(conversationId, options, onEvent);
  }
  editAndResend(
    messageId: string,
    text: string,
    options: ChatOptions,
    onEvent: (event: ChatEvent) => void,
  ): Promise<Outcome<ChatOutcome>> {
    return this.chat.editAndResend(messageId, text, options, onEvent);
  }
  stopChat(conversationId: string): Promise<void> {
    return this.chat.stopChat(conversationId);
  }
  chatModels(): Promise<Outcome<string[]>> {
    return this.chat.chatModels();
  }
  async openExternal(url: string): Promise<Outcome<null>> {
    this.opened.push(url);
    this.onOpen?.(url);
    return { status: 'ok', data: null };
  }

  pickAttachments(): Promise<Outcome<PendingAttachments>> {
    return this.attachments.pickAttachments();
  }
  attachPasted(name: string, bytes: Uint8Array): Promise<Outcome<PendingAttachments>> {
    return this.attachments.attachPasted(name, bytes);
  }
  removeAttachment(id: AttachmentId): Promise<PendingAttachments> {
    return this.attachments.removeAttachment(id);
  }
  pendingAttachments(): Promise<PendingAttachments> {
    return this.attachments.pendingAttachments();
  }
  openAttachment(sha256: string, name: string): Promise<Outcome<null>> {
    return this.attachments.openAttachment(sha256, name);
  }
  attachmentsOnDevice(): Promise<Outcome<string[]>> {
    return this.attachments.attachmentsOnDevice();
  }
  onAttachmentsChanged(listener: (pending: PendingAttachments) => void): () => void {
    return this.attachments.onAttachmentsChanged(listener);
  }
  onFileDrag(listener: (over: boolean) => void): () => void {
    return this.attachments.onFileDrag(listener);
  }

  quota(): Promise<Outcome<Quota>> {
    return this.billing.quota();
  }
  plans(): Promise<Outcome<Plans>> {
    return this.billing.readPlans();
  }
  openCheckout(product: Product): Promise<Outcome<null>> {
    return this.billing.openCheckout(product);
  }
  onQuotaChanged(listener: (quota: Quota) => void): () => void {
    return this.billing.onQuotaChanged(listener);
  }

  async #delay(): Promise<void> {
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
  }
}

/** The session `?auth=` starts with in `npm run dev`. */
function devAuthOptions(mode: string | null): FakeAuthOptions {
  const user = { id: '00000000-0000-4000-8000-000000000000', email: DEV_ACCOUNT.email };
  const signedIn = { status: 'signedIn', user, offline: false, persistence: 'keychain' } as const;
  const options: FakeAuthOptions = {
    accounts: { [DEV_ACCOUNT.email]: DEV_ACCOUNT.password },
    oauthAutoCompleteMs: 4000,
  };
  switch (mode) {
    case 'signedIn':
      return { ...options, initial: signedIn };
    case 'offline':
      return { ...options, initial: { ...signedIn, offline: true } };
    case 'memory':
      return { ...options, initial: { ...signedIn, persistence: 'memory_only' }, persistence: 'memory_only' };
    case 'expired':
      return { ...options, initial: { status: 'signedOut', reason: 'session_expired' } };
    case 'recovery':
      return { ...options, initial: { status: 'passwordRecovery', user } };
    case 'confirm':
      return { ...options, requireConfirmation: true };
    case 'oauth-timeout':
      return { ...options, oauthAutoCompleteMs: null, oauthTimeoutMs: 6000 };
    default:
      return options;
  }
}

/** The history `?history=` starts with in `npm run dev`. */
function devHistoryOptions(mode: string | null, authMode: string | null): FakeHistoryOptions {
  const now = new Date();
  const seeded = seedConversations(now);
  switch (mode) {
    case 'empty':
      return {};
    case 'long':
      return { conversations: [longConversation(99, now, 5000), ...seeded] };
    default:
      return { conversations: seeded, offline: mode === 'offline' || authMode === 'offline' };
  }
}

/** The quota and offers `?billing=` starts with in `npm run dev`; a purchase lands 6 s after checkout. */
function devBillingOptions(mode: string | null): FakeBillingOptions {
  const options: FakeBillingOptions = { purchaseAutoCompleteMs: 6000 };
  const soon = () => new Date(Date.now() + 50 * 60_000).toISOString();
  switch (mode) {
    case 'warning':
      return { ...options, initial: { used: 21_300 } };
    case 'exhausted':
      return { ...options, initial: { used: 25_000 } };
    case 'credits':
      return { ...options, initial: { used: 25_000, credits: 40_000 } };
    case 'pro':
      return { ...options, initial: { plan: 'pro', used: 345_678 } };
    case 'soon':
      return { ...options, initial: { used: 9_000 }, periodEndsAt: soon() };
    case 'unavailable':
      return {
        ...options,
        plans: {
          pro: { price: { amountMinor: 1500, currency: 'usd' }, available: false },
          topUp: { price: { amountMinor: 500, currency: 'usd' }, available: false },
        },
      };
    default:
      return { ...options, initial: { used: 12_345 } };
  }
}

/**
 * The fake for `npm run dev`, shaped by the page's query string:
 * `?server=<error code>`, `?auth=signedIn|offline|memory|expired|recovery|confirm|oauth-timeout`
 * `?history=empty|long|offline|rebuilt`, `?chat=quota|fail|fast` and
 * `?billing=warning|exhausted|credits|pro|soon|unavailable`. It starts with
 * the account demo@example.com / demo-password and a few conversations.
 */
export function devFakeBackend(search: string): FakeBackend {
  const query = new URLSearchParams(search);
  const server = query.get('server');
  const historyMode = query.get('history');
  const backend = new FakeBackend({
    delayMs: 400,
    serverStatus: isErrorCode(server)
      ? { status: 'error', error: { code: server, message: `fake ${server}` } }
      : undefined,
    auth: devAuthOptions(query.get('auth')),
    history: devHistoryOptions(historyMode, query.get('auth')),
    billing: devBillingOptions(query.get('billing')),
  });
  if (query.get('auth') === 'offline' || historyMode === 'offline') backend.billing.offline = true;
  if (historyMode === 'rebuilt') setTimeout(() => backend.history.noticeCacheRebuilt(), 1500);
  const chatMode = query.get('chat');
  if (chatMode === 'quota') backend.chat.failNext = { code: 'quota_exceeded' };
  if (chatMode === 'fail') backend.chat.failNext = { code: 'server', afterWords: 12 };
  if (chatMode === 'fast') backend.chat.wordMs = 5;
  backend.onOpen = (url) => void window.open(url, '_blank', 'noopener,noreferrer');
  return backend;
}
