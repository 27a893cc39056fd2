// What the sidebar's sync line says for each SyncStatus. Built by an
// exhaustive switch on the generated `state`, so a new state is a compile
// error here rather than a blank line.
import type { SyncStatus } from '../backend';
import { errorMessageKey } from '../errors';
import { formatCount, formatDateTime, pluralOf, translate, type Locale } from '../i18n';

export type SyncTone = 'muted' | 'busy' | 'ok' | 'warning' | 'danger';

export interface SyncSummary {
  state: SyncStatus['state'];
  tone: SyncTone;
  text: string;
  /** More detail (last sync time, the failure), for a tooltip and screen readers. */
  detail: string | null;
  /** Offer "Retry" (calls syncHistory). */
  retry: boolean;
}

function lastSynced(to: Locale, at: string | null): string | null {
  return at === null ? null : translate(to, 'history.sync.lastSynced', { time: formatDateTime(to, at) });
}

export function describeSync(status: SyncStatus, to: Locale): SyncSummary {
  switch (status.state) {
    case 'inactive':
      return { state: 'inactive', tone: 'muted', text: translate(to, 'history.sync.inactive'), detail: null, retry: false };
    case 'syncing': {
      const count = formatCount(to, status.fetched);
      const text = status.first
        ? translate(to, pluralOf(to, status.fetched) === 'one' ? 'history.sync.first.one' : 'history.sync.first.other', { count })
        : translate(to, 'history.sync.syncing');
      return { state: 'syncing', tone: 'busy', text, detail: null, retry: false };
    }
    case 'synced': {
      const count = formatCount(to, status.pending);
      const text =
        status.pending === 0
          ? translate(to, 'history.sync.synced')
          : translate(to, pluralOf(to, status.pending) === 'one' ? 'history.sync.waiting.one' : 'history.sync.waiting.other', { count });
      return { state: 'synced', tone: 'ok', text, detail: lastSynced(to, status.lastSyncedAt), retry: false };
    }
    case 'offline': {
      const count = formatCount(to, status.pending);
      const text =
        status.pending === 0
          ? translate(to, 'history.sync.offline')
          : translate(to, pluralOf(to, status.pending) === 'one' ? 'history.sync.offlinePending.one' : 'history.sync.offlinePending.other', { count });
      return { state: 'offline', tone: 'warning', text, detail: lastSynced(to, status.lastSyncedAt), retry: true };
    }
    case 'failed':
      return {
        state: 'failed',
        tone: 'danger',
        text: translate(to, 'history.sync.failed'),
        detail: translate(to, errorMessageKey(status.error.code)),
        retry: true,
      };
    default:
      return unreachable(status);
  }
}

function unreachable(status: never): never {
  throw new Error(`unknown sync status: ${JSON.stringify(status)}`);
}
