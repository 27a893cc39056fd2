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
  'sidebar.emptySignedIn': 'No conversations yet.',

  'settings.title': 'Settings',
  'settings.language': 'Language',
  'settings.language.system': 'System',
  'settings.language.en': 'English',
  'settings.language.fr': 'Français',
  'settings.theme': 'Theme',
  'settings.theme.system': 'System',
  'settings.theme.light': 'Light',
  'settings.theme.dark': 'Dark',

  'auth.restoring': 'Restoring your session…',
  'auth.email': 'E-mail',
  'auth.emailPlaceholder': 'you@example.com',
  'auth.password': 'Password',
  'auth.newPassword': 'New password',
  'auth.passwordHint': '6 to 72 characters.',
  'auth.or': 'or',
  'auth.backToSignin': 'Back to sign in',
  'auth.mailboxTitle': 'Check your mailbox',

  'auth.signin.title': 'Sign in to Native AI',
  'auth.signin.subtitle': 'Use your Native AI account. Your history stays readable even offline.',
  'auth.signin.submit': 'Sign in',
  'auth.signin.busy': 'Signing in…',
  'auth.signin.forgot': 'Forgot password?',
  'auth.signin.noAccount': 'New to Native AI?',
  'auth.signin.toSignup': 'Create account',
  'auth.signin.sessionExpired': 'Your session expired. Sign in again to pick up where you left off.',

  'auth.signup.title': 'Create your account',
  'auth.signup.subtitle': 'Sign up with your e-mail address and a password.',
  'auth.signup.submit': 'Create account',
  'auth.signup.busy': 'Creating account…',
  'auth.signup.haveAccount': 'Already have an account?',
  'auth.signup.toSignin': 'Sign in',
  'auth.signup.sent': 'We sent a confirmation link to {email}. Open it to activate your account, then sign in here.',
  'auth.signup.spamHint': 'Nothing after a few minutes? Look in your spam folder.',

  'auth.forgot.title': 'Reset your password',
  'auth.forgot.subtitle': 'Enter the e-mail address of your account. We will send a link to choose a new password.',
  'auth.forgot.submit': 'Send link',
  'auth.forgot.busy': 'Sending…',
  'auth.forgot.sent': 'If an account exists for {email}, we sent it a link to reset the password.',

  'auth.recovery.title': 'Choose a new password',
  'auth.recovery.subtitle': 'You are resetting the password of {email}.',
  'auth.recovery.submit': 'Save password',
  'auth.recovery.busy': 'Saving…',
  'auth.recovery.cancel': 'Cancel',

  'auth.oauth.google': 'Continue with Google',
  'auth.oauth.github': 'Continue with GitHub',
  'auth.oauth.waitingTitle': 'Finish signing in in your browser',
  'auth.oauth.waitingBody': 'We opened {provider} in your browser. Come back here once you have approved the sign-in.',
  'auth.oauth.cancel': 'Cancel',
  'auth.oauth.failedTitle': 'Signing in with {provider} did not finish',
  'auth.oauth.retry': 'Try again',
  'oauth.google': 'Google',
  'oauth.github': 'GitHub',

  'auth.invalid.emailRequired': 'Enter your e-mail address.',
  'auth.invalid.email': 'Enter a valid e-mail address, like name@example.com.',
  'auth.invalid.passwordRequired': 'Enter a password.',
  'auth.invalid.passwordShort': 'Use at least 6 characters.',
  'auth.invalid.passwordLong': 'Use at most 72 characters.',

  'account.title': 'You are signed in',
  'account.signedInAs': 'Account',
  'account.comingSoon': 'Chat arrives in the next release.',
  'account.offline': "You're offline. Your history stays readable; sending is paused.",
  'account.memoryOnly': "Your system keychain is unavailable: you'll need to sign in again next time.",
  'account.signOut': 'Sign out',
  'account.signingOut': 'Signing out…',

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
  'error.invalid_credentials': 'Wrong e-mail or password.',
  'error.email_not_confirmed': 'Confirm your e-mail address first: open the link we sent you, then sign in.',
  'error.weak_password': 'That password is too easy to guess. Choose a longer, less common one.',
  'error.email_taken': 'An account already exists for this e-mail. Sign in instead, or reset its password.',
  'error.session_expired': 'Your session has expired. Sign in again to continue.',
  'error.cancelled': 'Sign-in was cancelled.',
  'error.timed_out': 'Sign-in took too long and was stopped. Try again.',
} as const satisfies Record<string, string>;

/** A message key: every key of the English catalogue. */
export type MessageKey = keyof typeof en;

/** A full catalogue: exactly the English keys, any text. */
export type Catalogue = { readonly [K in MessageKey]: string };
