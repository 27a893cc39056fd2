// Svelte context for app-wide objects, so screens deep in the tree reach the
// AppModel, the AuthModel, the HistoryModel, the ChatModel and the
// QuotaModel without prop drilling. Tests pass the same keys in `render(..., { context })`.
import { getContext, setContext } from 'svelte';
import type { AppModel } from './app-model.svelte';
import type { AuthModel } from './auth.svelte';
import type { ChatModel } from './chat.svelte';
import type { HistoryModel } from './history.svelte';
import type { QuotaModel } from './quota.svelte';

export const APP_MODEL_KEY = Symbol('app-model');
export const AUTH_MODEL_KEY = Symbol('auth-model');
export const HISTORY_MODEL_KEY = Symbol('history-model');
export const CHAT_MODEL_KEY = Symbol('chat-model');
export const QUOTA_MODEL_KEY = Symbol('quota-model');

export function provideAppModel(model: AppModel): AppModel {
  return setContext(APP_MODEL_KEY, model);
}

export function useAppModel(): AppModel {
  const model = getContext<AppModel | undefined>(APP_MODEL_KEY);
  if (!model) throw new Error('useAppModel() called outside <App>');
  return model;
}

export function provideAuthModel(model: AuthModel): AuthModel {
  return setContext(AUTH_MODEL_KEY, model);
}

export function useAuthModel(): AuthModel {
  const model = getContext<AuthModel | undefined>(AUTH_MODEL_KEY);
  if (!model) throw new Error('useAuthModel() called outside <App>');
  return model;
}

export function provideHistoryModel(model: HistoryModel): HistoryModel {
  return setContext(HISTORY_MODEL_KEY, model);
}

export function useHistoryModel(): HistoryModel {
  const model = getContext<HistoryModel | undefined>(HISTORY_MODEL_KEY);
  if (!model) throw new Error('useHistoryModel() called outside <App>');
  return model;
}

export function provideChatModel(model: ChatModel): ChatModel {
  return setContext(CHAT_MODEL_KEY, model);
}

export function useChatModel(): ChatModel {
  const model = getContext<ChatModel | undefined>(CHAT_MODEL_KEY);
  if (!model) throw new Error('useChatModel() called outside <App>');
  return model;
}

export function provideQuotaModel(model: QuotaModel): QuotaModel {
  return setContext(QUOTA_MODEL_KEY, model);
}

export function useQuotaModel(): QuotaModel {
  const model = getContext<QuotaModel | undefined>(QUOTA_MODEL_KEY);
  if (!model) throw new Error('useQuotaModel() called outside <App>');
  return model;
}
