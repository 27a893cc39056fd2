// The English catalogue: the source of truth for message keys. Every visible
// string in the UI comes from here (or fr.ts); `{name}` marks a parameter.
// Keys are flat and dotted by screen so later screens add their own groups.
export const en = {
  'app.name': 'Native AI',
  'app.loadFailed': 'The app could not reach its own backend. Restart it; if this keeps happening, reinstall it.',

  'header.demo': 'Demo',
  'header.demoHint': 'Replies come from a scripted demo provider, not a real model.',
  'header.about': 'About',

  'sidebar.label': 'Conversations and settings',
  'sidebar.conversations': 'Conversations',
  'sidebar.empty': 'Your conversations will appear here once you sign in.',

  'settings.title': 'Settings',
  'settings.language': 'Language',
  'settings.language.system': 'System',
  'settings.language.en': 'English',
  'settings.language.fr': 'Français',
  'settings.theme': 'Theme',
  'settings.theme.system': 'System',
  'settings.theme.light': 'Light',
  'settings.theme.dark': 'Dark',

  'signin.title': 'Sign in to Native AI',
  'signin.subtitle': 'Use your Native AI account. Your history stays readable even offline.',
  'signin.email': 'E-mail',
  'signin.emailPlaceholder': 'you@example.com',
  'signin.password': 'Password',
  'signin.submit': 'Sign in',
  'signin.comingSoon': 'Sign-in arrives in the next release.',

  'about.title': 'About {name}',
  'about.version': 'Version',
  'about.supabaseUrl': 'Supabase URL',
  'about.nativeApiUrl': 'Native API URL',
  'about.notConfigured': 'Not configured',
  'about.server': 'Server',
  'about.recheck': 'Check again',
  'about.close': 'Close',

  'status.checking': 'Checking…',
  'status.reachable': 'Reachable',
  'status.unreachable': 'Unreachable',
  'status.provider': 'Provider',
  'status.model': 'Model',
  'status.serverVersion': 'Server version',

  'provider.mistral': 'Mistral',
  'provider.open_ai_compatible': 'OpenAI-compatible',
  'provider.demo': 'Demo (scripted)',

  'error.offline': 'The Native AI server cannot be reached. Check your connection and try again.',
  'error.unauthorized': 'Your session has ended. Sign in again.',
  'error.invalid_input': 'The request was not accepted. Check what you entered.',
  'error.not_found': 'That item no longer exists.',
  'error.rate_limited': 'Too many requests. Wait a moment and try again.',
  'error.not_configured': 'The server address is not configured for this installation.',
  'error.server': 'The Native AI server had a problem. Try again in a moment.',
  'error.internal': 'Something went wrong inside the app. Try again; restart the app if it persists.',
} as const satisfies Record<string, string>;

/** A message key: every key of the English catalogue. */
export type MessageKey = keyof typeof en;

/** A full catalogue: exactly the English keys, any text. */
export type Catalogue = { readonly [K in MessageKey]: string };
