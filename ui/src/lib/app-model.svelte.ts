// App-wide state loaded from the Backend: build info (which makes the UI
// "ready") and the server's status (which feeds the demo badge and About).
// Later features (session, history, quota) get models of their own.
import type { AppInfo, Backend, ErrorBody, ServerStatus } from './backend';
import { toErrorBody } from './errors';

export type InfoState =
  | { kind: 'loading' }
  | { kind: 'ready'; info: AppInfo }
  | { kind: 'failed'; error: ErrorBody };

export type ServerState =
  | { kind: 'checking' }
  | { kind: 'reachable'; status: ServerStatus }
  | { kind: 'unreachable'; error: ErrorBody };

export class AppModel {
  readonly backend: Backend;
  info = $state.raw<InfoState>({ kind: 'loading' });
  server = $state.raw<ServerState>({ kind: 'checking' });
  #serverRequest = 0;

  constructor(backend: Backend) {
    this.backend = backend;
  }

  /** True once the server answered and said it runs the demo provider. */
  get isDemo(): boolean {
    return this.server.kind === 'reachable' && this.server.status.provider === 'demo';
  }

  /** Loads everything the shell shows; the server check does not delay readiness. */
  start(): Promise<void> {
    void this.checkServer();
    return this.loadInfo();
  }

  async loadInfo(): Promise<void> {
    try {
      this.info = { kind: 'ready', info: await this.backend.appInfo() };
    } catch (error) {
      this.info = { kind: 'failed', error: toErrorBody(error) };
    }
  }

  /** Asks the server again; an older answer arriving late is ignored. */
  async checkServer(): Promise<void> {
    const request = ++this.#serverRequest;
    this.server = { kind: 'checking' };
    let next: ServerState;
    try {
      const result = await this.backend.serverStatus();
      next =
        result.status === 'ok'
          ? { kind: 'reachable', status: result.data }
          : { kind: 'unreachable', error: result.error };
    } catch (error) {
      next = { kind: 'unreachable', error: toErrorBody(error) };
    }
    if (request === this.#serverRequest) this.server = next;
  }
}
