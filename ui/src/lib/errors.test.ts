// Every ErrorCode the Rust side can send has its own translated message, and
// malformed rejections degrade to `internal`.
import { describe, expect, it } from 'vitest';
import type { ErrorCode } from './wire';
import { ERROR_CODES, ERROR_MESSAGE_KEYS, errorMessageKey, isErrorCode, toErrorBody } from './errors';
import { catalogues, LOCALES } from './i18n';

// Written out on purpose: the type check below fails when the generated
// bindings gain a code this list (and so the UI) does not know about.
const ALL_CODES = [
  'offline',
  'unauthorized',
  'invalid_input',
  'not_found',
  'rate_limited',
  'not_configured',
  'server',
  'internal',
  'invalid_credentials',
  'email_not_confirmed',
  'weak_password',
  'email_taken',
  'session_expired',
  'cancelled',
  'timed_out',
  'quota_exceeded',
  'too_long',
  'busy',
  'attachment_rejected',
  'not_on_device',
  'model_not_vision',
] as const satisfies readonly ErrorCode[];
type Missing = Exclude<ErrorCode, (typeof ALL_CODES)[number]>;
const exhaustive: [Missing] extends [never] ? true : false = true;

describe('error code → message', () => {
  it('covers exactly the generated ErrorCode union', () => {
    expect(exhaustive).toBe(true);
    expect([...ERROR_CODES].sort()).toEqual([...ALL_CODES].sort());
  });

  it.each(LOCALES)('every code has its own non-empty %s message', (code) => {
    const texts = ALL_CODES.map((errorCode) => catalogues[code][errorMessageKey(errorCode)]);
    for (const text of texts) expect(text.trim()).not.toBe('');
    expect(new Set(texts).size).toBe(ALL_CODES.length);
  });

  it('maps each code to its own key', () => {
    for (const code of ALL_CODES) expect(ERROR_MESSAGE_KEYS[code]).toBe(`error.${code}`);
  });
});

describe('toErrorBody', () => {
  it('keeps a well-formed body', () => {
    expect(toErrorBody({ code: 'offline', message: 'connection refused' })).toEqual({
      code: 'offline',
      message: 'connection refused',
    });
  });

  it.each([
    ['a panic string', 'thread panicked at src/lib.rs'],
    ['an Error', new Error('IPC closed')],
    ['an unknown code', { code: 'teapot', message: 'short and stout' }],
    ['null', null],
    ['a number', 42],
  ])('turns %s into internal', (_label, value) => {
    expect(toErrorBody(value).code).toBe('internal');
  });

  it('recognises only known codes', () => {
    expect(isErrorCode('rate_limited')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode(undefined)).toBe(false);
  });
});
