// The sync line's text for every SyncStatus, with plurals and numbers in
// both languages, and which states offer Retry.
import { describe, expect, it } from 'vitest';
import { describeSync } from './sync-status';

describe('describeSync', () => {
  it('shows first-sync progress with a count, and a plain "Syncing" later', () => {
    expect(describeSync({ state: 'syncing', first: true, fetched: 1 }, 'en').text).toBe(
      'Syncing your history… 1 item received',
    );
    expect(describeSync({ state: 'syncing', first: true, fetched: 5000 }, 'en').text).toBe(
      'Syncing your history… 5,000 items received',
    );
    const later = describeSync({ state: 'syncing', first: false, fetched: 12 }, 'en');
    expect(later).toMatchObject({ text: 'Syncing…', tone: 'busy', retry: false });
  });

  it('says "Synced", or how many changes wait, with the last sync as detail', () => {
    const synced = describeSync({ state: 'synced', lastSyncedAt: '2025-06-15T10:00:00Z', pending: 0 }, 'en');
    expect(synced).toMatchObject({ state: 'synced', text: 'Synced', tone: 'ok', retry: false });
    expect(synced.detail).toMatch(/^Last synced /);
    expect(describeSync({ state: 'synced', lastSyncedAt: '2025-06-15T10:00:00Z', pending: 2 }, 'en').text).toBe(
      '2 changes waiting to sync',
    );
  });

  it('counts the changes waiting offline, and offers Retry', () => {
    const one = describeSync({ state: 'offline', pending: 1, lastSyncedAt: null }, 'en');
    expect(one).toMatchObject({ text: 'Offline — 1 change waiting', tone: 'warning', retry: true, detail: null });
    expect(describeSync({ state: 'offline', pending: 3, lastSyncedAt: null }, 'en').text).toBe(
      'Offline — 3 changes waiting',
    );
    expect(describeSync({ state: 'offline', pending: 0, lastSyncedAt: null }, 'en').text).toBe('Offline');
  });

  it('says a sync failed with the message for its code, never the raw text', () => {
    const failed = describeSync(
      { state: 'failed', error: { code: 'server', message: 'pg: deadlock detected' }, pending: 4 },
      'en',
    );
    expect(failed).toMatchObject({ state: 'failed', tone: 'danger', retry: true, text: 'Sync failed.' });
    expect(failed.detail).toContain('The Native AI server had a problem');
    expect(failed.detail).not.toContain('deadlock');
  });

  it('speaks French, with French plurals (0 and 1 are singular)', () => {
    expect(describeSync({ state: 'offline', pending: 1, lastSyncedAt: null }, 'fr').text).toBe(
      'Hors ligne — 1 modification en attente',
    );
    expect(describeSync({ state: 'offline', pending: 2, lastSyncedAt: null }, 'fr').text).toBe(
      'Hors ligne — 2 modifications en attente',
    );
    expect(describeSync({ state: 'syncing', first: true, fetched: 0 }, 'fr').text).toBe(
      'Synchronisation de votre historique… 0 élément reçu',
    );
    expect(describeSync({ state: 'synced', lastSyncedAt: 'x', pending: 0 }, 'fr').text).toBe('Synchronisé');
  });

  it('is quiet when no one is signed in', () => {
    expect(describeSync({ state: 'inactive' }, 'en')).toMatchObject({ state: 'inactive', tone: 'muted', retry: false });
  });
});
