// i18n entry point: `t(key, params?)` translates in the current locale and is
// reactive (it reads the locale's $state, so templates re-render on change).
// `translate(locale, key, params?)` is the pure form, for tests and non-UI use.
import { en, type Catalogue, type MessageKey } from './en';
import { fr } from './fr';
import { locale, type Locale } from './locale.svelte';

export { en, type Catalogue, type MessageKey } from './en';
export {
  LOCALES,
  LOCALE_PREFERENCES,
  LOCALE_STORAGE_KEY,
  LocaleState,
  detectLocale,
  locale,
  parseLocalePreference,
  type Locale,
  type LocaleEnv,
  type LocalePreference,
} from './locale.svelte';

export const catalogues: { readonly [L in Locale]: Catalogue } = { en, fr };

type ParamNames<S extends string> = S extends `${string}{${infer P}}${infer Rest}`
  ? P | ParamNames<Rest>
  : never;

/** The parameter names of a message, read from its English text. */
export type MessageParams<K extends MessageKey> = ParamNames<(typeof en)[K]>;

/** The keys of messages that take no parameters (usable where the key is chosen at run time). */
export type PlainMessageKey = {
  [K in MessageKey]: [MessageParams<K>] extends [never] ? K : never;
}[MessageKey];

/** No argument for a message without parameters; a record of them otherwise. */
export type ParamArgs<K extends MessageKey> = [MessageParams<K>] extends [never]
  ? []
  : [params: Record<MessageParams<K>, string | number>];

/** Replaces each `{name}` with its value; unknown names are left as they are. */
export function interpolate(template: string, params: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole,
  );
}

export function translate<K extends MessageKey>(to: Locale, key: K, ...args: ParamArgs<K>): string {
  const template = catalogues[to][key];
  const params = args[0];
  return params ? interpolate(template, params) : template;
}

/** Translates into the current locale. */
export function t<K extends MessageKey>(key: K, ...args: ParamArgs<K>): string {
  return translate(locale.current, key, ...args);
}

/** The plural form to use for `count` in `to` (French counts 0 and 1 as singular). */
export function pluralOf(to: Locale, count: number): 'one' | 'other' {
  return new Intl.PluralRules(to).select(count) === 'one' ? 'one' : 'other';
}

/** A count as the locale writes numbers (5,000 / 5 000). */
export function formatCount(to: Locale, count: number): string {
  return new Intl.NumberFormat(to).format(count);
}

/** A date and time in the locale's medium style; the raw text if it cannot be read. */
export function formatDateTime(to: Locale, iso: string): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  return new Intl.DateTimeFormat(to, { dateStyle: 'medium', timeStyle: 'short' }).format(time);
}
