// Backend errors arrive as `{code, message}`. The UI branches on `code` only
// and shows its own translated text for it: `message` is for logs, never for
// the screen (it may be raw server text, notably for `internal`). The one
// exception is `attachment_rejected`, whose message the app writes itself
// (it names the refused file and the rule it broke).
import type { Outcome } from './backend';
import type { ErrorBody, ErrorCode } from './wire';
import type { PlainMessageKey } from './i18n';

/** One message per error code. `satisfies` makes a new code a compile error here. */
export const ERROR_MESSAGE_KEYS = {
  offline: 'error.offline',
  unauthorized: 'error.unauthorized',
  invalid_input: 'error.invalid_input',
  not_found: 'error.not_found',
  rate_limited: 'error.rate_limited',
  not_configured: 'error.not_configured',
  server: 'error.server',
  internal: 'error.internal',
  invalid_credentials: 'error.invalid_credentials',
  email_not_confirmed: 'error.email_not_confirmed',
  weak_password: 'error.weak_password',
  email_taken: 'error.email_taken',
  session_expired: 'error.session_expired',
  cancelled: 'error.cancelled',
  timed_out: 'error.timed_out',
  quota_exceeded: 'error.quota_exceeded',
  too_long: 'error.too_long',
  busy: 'error.busy',
  attachment_rejected: 'error.attachment_rejected',
  not_on_device: 'error.not_on_device',
  model_not_vision: 'error.model_not_vision',
} as const satisfies Record<ErrorCode, PlainMessageKey>;

export const ERROR_CODES = Object.keys(ERROR_MESSAGE_KEYS) as ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_MESSAGE_KEYS, value);
}

export function errorMessageKey(code: ErrorCode): PlainMessageKey {
  return ERROR_MESSAGE_KEYS[code];
}

/**
 * Turns anything a backend call rejected with into an `ErrorBody`. A
 * well-formed body passes through; anything else (an IPC failure, a panic
 * string, an unknown code) becomes `internal`.
 */
export function toErrorBody(error: unknown): ErrorBody {
  if (typeof error === 'object' && error !== null) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (isErrorCode(code)) return { code, message: typeof message === 'string' ? message : '' };
    if (error instanceof Error) return { code: 'internal', message: error.message };
  }
  return { code: 'internal', message: typeof error === 'string' ? error : 'unexpected error' };
}

/**
 * The text for a chat reply's error. Its code is a plain string on the wire
 * (an ErrorCode in practice); a few read differently for a reply.
 */
export function chatErrorKey(code: string): PlainMessageKey {
  if (code === 'cancelled') return 'chat.error.cancelled';
  if (code === 'timed_out') return 'chat.error.timed_out';
  return isErrorCode(code) ? errorMessageKey(code) : 'chat.error.generic';
}

/** Runs a backend call; a rejection becomes an error outcome, never a throw. */
export async function guard<T>(call: () => Promise<Outcome<T>>): Promise<Outcome<T>> {
  try {
    return await call();
  } catch (error) {
    return { status: 'error', error: toErrorBody(error) };
  }
}
