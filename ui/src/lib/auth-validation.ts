// Checks the sign-in forms run before calling the backend, mirroring the
// Rust side (native-core credentials.rs): a plausible e-mail address and a
// password of 6 to 72 characters. Each returns a message key or null.
import type { PlainMessageKey } from './i18n';

export const MIN_PASSWORD_CHARS = 6;
export const MAX_PASSWORD_CHARS = 72;
const MAX_EMAIL_LEN = 254;

// Rust's `char::is_whitespace` and `str::trim` use Unicode White_Space, which
// differs from JS `\s` / `trim()` (U+0085 in, U+FEFF out).
const SPACE = /\p{White_Space}/u;
const EDGE_SPACE = /^\p{White_Space}+|\p{White_Space}+$/gu;
const utf8 = new TextEncoder();

/** The address as it will be sent: surrounding spaces removed. */
export function normaliseEmail(raw: string): string {
  return raw.replace(EDGE_SPACE, '');
}

export function emailProblem(raw: string): PlainMessageKey | null {
  const text = normaliseEmail(raw);
  if (text === '') return 'auth.invalid.emailRequired';
  const at = text.indexOf('@');
  const local = text.slice(0, at);
  const domain = text.slice(at + 1);
  const plausible =
    // Bytes, as Rust's `str::len` counts them, not UTF-16 units.
    utf8.encode(text).length <= MAX_EMAIL_LEN &&
    !SPACE.test(text) &&
    at > 0 &&
    local.length > 0 &&
    !domain.includes('@') &&
    domain.includes('.') &&
    !domain.startsWith('.') &&
    !domain.endsWith('.') &&
    !domain.includes('..');
  return plausible ? null : 'auth.invalid.email';
}

/** Counts characters (code points), as the server does, not UTF-16 units. */
export function passwordProblem(raw: string): PlainMessageKey | null {
  const chars = [...raw].length;
  if (chars === 0) return 'auth.invalid.passwordRequired';
  if (chars < MIN_PASSWORD_CHARS) return 'auth.invalid.passwordShort';
  if (chars > MAX_PASSWORD_CHARS) return 'auth.invalid.passwordLong';
  return null;
}
