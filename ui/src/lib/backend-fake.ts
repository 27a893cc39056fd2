// The in-memory Backend used by Vitest and by `npm run dev` in a plain
// browser. Its answers are plain fields a test can set; it counts calls.
// In the browser, `?server=offline` (or any error code) shows that failure.
import type { AppInfo, Backend, ErrorBody, Outcome, ServerStatus } from './backend';
import { isErrorCode } from './errors';

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

export interface FakeBackendOptions {
  appInfo?: AppInfo | ErrorBody | Error;
  serverStatus?: Outcome<ServerStatus>;
  /** Milliseconds before each answer, to see loading states in the browser. */
  delayMs?: number;
}

export class FakeBackend implements Backend {
  appInfoResult: AppInfo | ErrorBody | Error;
  serverStatusResult: Outcome<ServerStatus>;
  delayMs: number;
  calls = { appInfo: 0, serverStatus: 0 };

  constructor(options: FakeBackendOptions = {}) {
    this.appInfoResult = options.appInfo ?? FAKE_APP_INFO;
    this.serverStatusResult = options.serverStatus ?? { status: 'ok', data: FAKE_SERVER_STATUS };
    this.delayMs = options.delayMs ?? 0;
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

  async #delay(): Promise<void> {
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
  }
}

/** The fake for `npm run dev`, shaped by the page's query string. */
export function devFakeBackend(search: string): FakeBackend {
  const query = new URLSearchParams(search);
  const server = query.get('server');
  return new FakeBackend({
    delayMs: 400,
    serverStatus: isErrorCode(server)
      ? { status: 'error', error: { code: server, message: `fake ${server}` } }
      : undefined,
  });
}
