// The checks the sign-in forms run before any call, held to the Rust rules
// they mirror (native-core credentials.rs): the limits are read from that
// file, and the cases are the ones its own tests use.
import { describe, expect, it } from 'vitest';
import {
  emailProblem,
  MAX_PASSWORD_CHARS,
  MIN_PASSWORD_CHARS,
  normaliseEmail,
  passwordProblem,
} from './auth-validation';
import { catalogues, LOCALES } from './i18n';

// Read with Node's fs at test time: Vite will not serve a file outside ui/
// (so no `?raw` import), and the UI's tsconfig has no Node types, hence the
// non-literal specifier and the narrow type.
type NodeFs = { readFileSync(path: string, encoding: 'utf8'): string };
const fs = (await import(/* @vite-ignore */ 'node:fs' as string)) as NodeFs;
const here = import.meta.url; // not inline: Vite would rewrite `new URL(..., import.meta.url)`
const credentialsPath = new URL('../../../crates/native-core/src/credentials.rs', here);
const credentialsRs = fs.readFileSync(decodeURIComponent(credentialsPath.pathname), 'utf8');

function rustConst(name: string): number {
  const match = new RegExp(`const ${name}: usize = (\\d+);`).exec(credentialsRs);
  if (!match?.[1]) throw new Error(`${name} not found in credentials.rs`);
  return Number(match[1]);
}

const RUST_MAX_EMAIL_LEN = rustConst('MAX_EMAIL_LEN');

describe('limits shared with credentials.rs', () => {
  it('uses the same password bounds as the Rust side', () => {
    expect(MIN_PASSWORD_CHARS).toBe(rustConst('MIN_PASSWORD_CHARS'));
    expect(MAX_PASSWORD_CHARS).toBe(rustConst('MAX_PASSWORD_CHARS'));
  });

  it.each(LOCALES)('the %s password messages state those bounds', (code) => {
    const messages = catalogues[code];
    expect(messages['auth.passwordHint']).toContain(String(MIN_PASSWORD_CHARS));
    expect(messages['auth.passwordHint']).toContain(String(MAX_PASSWORD_CHARS));
    expect(messages['auth.invalid.passwordShort']).toContain(String(MIN_PASSWORD_CHARS));
    expect(messages['auth.invalid.passwordLong']).toContain(String(MAX_PASSWORD_CHARS));
  });
});

describe('emailProblem', () => {
  it.each(['ada@example.com', '  Ada.Lovelace@Example.COM ', 'a+tag@sub.example.co.uk', 'x@y.z'])(
    'accepts %j',
    (email) => {
      expect(emailProblem(email)).toBeNull();
    },
  );

  it.each(['', '   ', '\t\n'])('asks for an address when given %j', (email) => {
    expect(emailProblem(email)).toBe('auth.invalid.emailRequired');
  });

  // The malformed addresses of credentials.rs' own test.
  it.each([
    'ada',
    '@example.com',
    'ada@',
    'ada@example',
    'ada@@example.com',
    'a@b@example.com',
    'ada lovelace@example.com',
    'ada@.example.com',
    'ada@example.com.',
    'ada@example..com',
    `${'a'.repeat(250)}@example.com`,
  ])('rejects %s', (email) => {
    expect(emailProblem(email)).toBe('auth.invalid.email');
  });

  it('allows exactly the Rust maximum length, and not one more', () => {
    const domain = '@example.com';
    const atLimit = 'a'.repeat(RUST_MAX_EMAIL_LEN - domain.length) + domain;
    expect(atLimit).toHaveLength(RUST_MAX_EMAIL_LEN);
    expect(emailProblem(atLimit)).toBeNull();
    expect(emailProblem(`a${atLimit}`)).toBe('auth.invalid.email');
    // Surrounding spaces are trimmed before the length is measured.
    expect(emailProblem(`  ${atLimit}  `)).toBeNull();
  });

  it('measures the length in UTF-8 bytes, as Rust str::len does', () => {
    // 130 'é' are 130 UTF-16 units but 260 bytes: Rust refuses the address.
    const wide = `${'é'.repeat(130)}@example.com`;
    expect(wide.length).toBeLessThanOrEqual(RUST_MAX_EMAIL_LEN);
    expect(emailProblem(wide)).toBe('auth.invalid.email');
    expect(emailProblem(`${'é'.repeat(40)}@example.com`)).toBeNull();
  });

  it('treats whitespace as Rust does (Unicode White_Space, including U+0085)', () => {
    expect(emailProblem('ada\u00a0lovelace@example.com')).toBe('auth.invalid.email');
    expect(emailProblem('ada\u0085lovelace@example.com')).toBe('auth.invalid.email');
    expect(emailProblem('\u0085ada@example.com\u2003')).toBeNull();
    expect(normaliseEmail('\u0085 ada@example.com\u3000')).toBe('ada@example.com');
  });

  it('normalises by trimming only (the case is left to the server)', () => {
    expect(normaliseEmail('  Ada@Example.COM\n')).toBe('Ada@Example.COM');
  });
});

describe('passwordProblem', () => {
  it('asks for a password when empty', () => {
    expect(passwordProblem('')).toBe('auth.invalid.passwordRequired');
  });

  it('enforces the minimum', () => {
    expect(passwordProblem('x'.repeat(MIN_PASSWORD_CHARS - 1))).toBe('auth.invalid.passwordShort');
    expect(passwordProblem('x'.repeat(MIN_PASSWORD_CHARS))).toBeNull();
  });

  it('enforces the maximum', () => {
    expect(passwordProblem('x'.repeat(MAX_PASSWORD_CHARS))).toBeNull();
    expect(passwordProblem('x'.repeat(MAX_PASSWORD_CHARS + 1))).toBe('auth.invalid.passwordLong');
  });

  it('counts characters (code points), not UTF-16 units or bytes', () => {
    expect(passwordProblem('é'.repeat(MAX_PASSWORD_CHARS))).toBeNull();
    // Each emoji is two UTF-16 units: 72 of them are 144 units but 72 characters.
    expect(passwordProblem('😀'.repeat(MAX_PASSWORD_CHARS))).toBeNull();
    expect(passwordProblem('😀'.repeat(MAX_PASSWORD_CHARS + 1))).toBe('auth.invalid.passwordLong');
    expect(passwordProblem('😀'.repeat(MIN_PASSWORD_CHARS - 1))).toBe('auth.invalid.passwordShort');
  });

  it('does not trim: spaces count as characters', () => {
    expect(passwordProblem(' spaced out ')).toBeNull();
    expect(passwordProblem(' '.repeat(MIN_PASSWORD_CHARS))).toBeNull();
  });
});
