// The UI's one door to Rust. Components and models talk to a `Backend`, never
// to `invoke` or the generated bindings directly, so tests and `npm run dev`
// in a plain browser can swap in the in-memory fake (backend-fake.ts).
//
// Wire types come only from the generated bindings, through `wire.ts`: never
// hand-write one here.
import type {
  AppInfo,
  AttachmentId,
  AuthState,
  CacheNotice,
  ChatEvent,
  ChatOptions,
  ChatOutcome,
  ConversationId,
  ConversationItem,
  ErrorBody,
  ExportFormat,
  ImportReport,
  LaunchState,
  MessageId,
  MessageItem,
  OAuthProvider,
  PendingAttachments,
  Plans,
  Product,
  Quota,
  SearchHit,
  ServerStatus,
  SignUpResult,
  SyncStatus,
} from './wire';

export type {
  AppInfo,
  Attachment,
  AttachmentId,
  PendingAttachment,
  PendingAttachments,
  AuthState,
  CacheNotice,
  ChatEvent,
  ChatMode,
  ChatOptions,
  ChatOutcome,
  ConversationId,
  ConversationItem,
  ErrorBody,
  ErrorCode,
  ExportFormat,
  ImportReport,
  LaunchState,
  MessageId,
  MessageItem,
  MessageStatus,
  OAuthProvider,
  Offer,
  Persistence,
  Plan,
  Plans,
  Price,
  Product,
  Profile,
  ProviderKind,
  Quota,
  Role,
  SearchHit,
  ServerStatus,
  SignOutReason,
  SignUpResult,
  SnippetPart,
  SyncStatus,
} from './wire';

/** A fallible call's outcome, the same shape as the generated command wrappers return. */
export type Outcome<T> = { status: 'ok'; data: T } | { status: 'error'; error: ErrorBody };

/**
 * What a native file dialog asks. A UI-side shape (the dialog plugin's own
 * options, trimmed), not a wire type: nothing here crosses to Rust.
 */
export interface FileDialogRequest {
  /** The dialog window's title. */
  title: string;
  /** For a save dialog, the file name it proposes. */
  defaultPath?: string;
  filters: { name: string; extensions: string[] }[];
}

export interface Backend {
  /** This build and its configuration. Does not touch the network. */
  appInfo(): Promise<AppInfo>;
  /** Asks the Native AI server who it is; `offline` when it cannot be reached. */
  serverStatus(): Promise<Outcome<ServerStatus>>;

  /** The session as it stands now (`restoring` while the keychain is read at launch). */
  authState(): Promise<AuthState>;
  /**
   * At launch: the session and, when signed in, that user's cached
   * conversations (null when signed out or unreadable), in one call, so
   * the first frame waits for one round trip instead of two.
   */
  launchState(): Promise<LaunchState>;
  signIn(email: string, password: string): Promise<Outcome<AuthState>>;
  /** Signs in at once, or says a confirmation e-mail was sent. */
  signUp(email: string, password: string): Promise<Outcome<SignUpResult>>;
  /** Succeeds whether or not an account exists for `email`. */
  requestPasswordReset(email: string): Promise<Outcome<null>>;
  /** Only in the `passwordRecovery` state (opened from the e-mailed link). */
  setNewPassword(password: string): Promise<Outcome<AuthState>>;
  /**
   * Opens the provider in the system browser and resolves when that flow
   * ends: signed in, `cancelled` (see `cancelOauth`) or `timed_out`.
   */
  startOauth(provider: OAuthProvider): Promise<Outcome<AuthState>>;
  /** Ends a pending `startOauth`, which then resolves with `cancelled`. */
  cancelOauth(): Promise<void>;
  signOut(): Promise<Outcome<AuthState>>;
  /**
   * Calls `listener` with every new AuthState (restored, refreshed, expired,
   * offline, signed out...). Returns the function that stops it.
   */
  onAuthChanged(listener: (state: AuthState) => void): () => void;

  // ---- History (read from the local cache; `unauthorized` when signed out) ----

  /** The signed-in user's conversations, most recent activity first. */
  listConversations(): Promise<Outcome<ConversationItem[]>>;
  /** The page drew the cached history `pageMs` after its navigation start: the app logs it as the launch's startup figure. */
  historyVisible(pageMs: number): Promise<void>;
  /** One conversation's messages, oldest first. */
  conversationMessages(id: ConversationId): Promise<Outcome<MessageItem[]>>;
  /** Searches every cached message; an empty query finds nothing. */
  searchHistory(query: string): Promise<Outcome<SearchHit[]>>;
  /** `invalid_input` for an empty, too long or control-character title. */
  renameConversation(id: ConversationId, title: string): Promise<Outcome<null>>;
  /** Final: the UI offers its undo before calling this. */
  deleteConversation(id: ConversationId): Promise<Outcome<null>>;
  /** Syncs now; offline is a status, not an error. */
  syncHistory(): Promise<Outcome<SyncStatus>>;
  syncStatus(): Promise<SyncStatus>;
  exportConversation(id: ConversationId, format: ExportFormat, path: string): Promise<Outcome<null>>;
  /** Writes every conversation to one JSON backup. */
  exportHistory(path: string): Promise<Outcome<null>>;
  /** Merges a JSON backup by id; importing twice adds nothing. */
  importHistory(path: string): Promise<Outcome<ImportReport>>;
  /** Asks where to save a file; `null` when the user cancelled. */
  chooseSavePath(request: FileDialogRequest): Promise<Outcome<string | null>>;
  /** Asks for one file to open; `null` when the user cancelled. */
  chooseOpenPath(request: FileDialogRequest): Promise<Outcome<string | null>>;
  /** Every change of the sync status. Returns the function that stops it. */
  onSyncChanged(listener: (status: SyncStatus) => void): () => void;
  /** The cached history changed (with a growing revision): reload what is shown. */
  onHistoryChanged(listener: (revision: number) => void): () => void;
  /** Something to tell the user once about the local cache. */
  onCacheNotice(listener: (notice: CacheNotice) => void): () => void;

  // ---- Chat (each reply streams its events to `onEvent`, in order) ----

  /**
   * Sends `text` in the conversation (a new one when `null`) and streams the
   * reply: `saved` (the message is stored), `started`, `delta`s, at most one
   * `usage`, then `done` or `error`. Resolves when the reply has ended and
   * been saved; an error outcome means nothing was sent (e.g. `busy`).
   */
  sendMessage(
    conversationId: ConversationId | null,
    text: string,
    attachments: AttachmentId[],
    options: ChatOptions,
    onEvent: (event: ChatEvent) => void,
  ): Promise<Outcome<ChatOutcome>>;
  /** Replaces the conversation's last reply with a new one; the question is not repeated. */
  regenerateReply(
    conversationId: ConversationId,
    options: ChatOptions,
    onEvent: (event: ChatEvent) => void,
  ): Promise<Outcome<ChatOutcome>>;
  /** Replaces a user message with `text`, drops every later message, and streams a new reply. */
  editAndResend(
    messageId: MessageId,
    text: string,
    options: ChatOptions,
    onEvent: (event: ChatEvent) => void,
  ): Promise<Outcome<ChatOutcome>>;
  /** Ends the conversation's running reply, if any; it ends with `done` `partial`. */
  stopChat(conversationId: ConversationId): Promise<void>;
  /** The models the gateway allows, its default first. */
  chatModels(): Promise<Outcome<string[]>>;
  /** Opens an http(s) URL in the system browser (the UI asks the user first). */
  openExternal(url: string): Promise<Outcome<null>>;

  // ---- Attachments (files for the next question; paths never cross from here) ----

  /** Opens the system's file dialog (on the Rust side) and attaches what the user picks. */
  pickAttachments(): Promise<Outcome<PendingAttachments>>;
  /** Attaches a pasted picture's bytes. */
  attachPasted(name: string, bytes: Uint8Array): Promise<Outcome<PendingAttachments>>;
  removeAttachment(id: AttachmentId): Promise<PendingAttachments>;
  pendingAttachments(): Promise<PendingAttachments>;
  /** Opens a file of history from this device's copy; `not_on_device` when there is none. */
  openAttachment(sha256: string, name: string): Promise<Outcome<null>>;
  /** The sha256s of the conversation's files this device has. */
  attachmentsOnDevice(conversationId: ConversationId): Promise<Outcome<string[]>>;
  /** Every change of the pending files (picked, dropped on the window, pasted, removed, sent). */
  onAttachmentsChanged(listener: (pending: PendingAttachments) => void): () => void;
  /**
   * Whether files are being dragged over the window (true), or left or were
   * dropped (false). A drop is attached by the Rust side, never from here.
   */
  onFileDrag(listener: (over: boolean) => void): () => void;

  // ---- Billing (`unauthorized` when signed out) ----

  /** The signed-in user's quota for the current period, read from the server. */
  quota(): Promise<Outcome<Quota>>;
  /** What is for sale: allowances, prices, and whether each can be bought here. */
  plans(): Promise<Outcome<Plans>>;
  /**
   * Opens the product's payment page in the system browser and resolves at
   * once: the purchase lands later, seen as a new quota. `not_configured`
   * when this installation sells no such product.
   */
  openCheckout(product: Product): Promise<Outcome<null>>;
  /** Every quota the backend learns of (a read, or after a reply). Returns the function that stops it. */
  onQuotaChanged(listener: (quota: Quota) => void): () => void;
}

/** True inside the Tauri webview, false in a plain browser or under Vitest. */
export function isTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}
