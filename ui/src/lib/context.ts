// Svelte context for app-wide objects, so screens deep in the tree reach the
// Backend and the AppModel without prop drilling. Tests pass the same keys in
// `render(..., { context })`.
import { getContext, setContext } from 'svelte';
import type { AppModel } from './app-model.svelte';

export const APP_MODEL_KEY = Symbol('app-model');

export function provideAppModel(model: AppModel): AppModel {
  return setContext(APP_MODEL_KEY, model);
}

export function useAppModel(): AppModel {
  const model = getContext<AppModel | undefined>(APP_MODEL_KEY);
  if (!model) throw new Error('useAppModel() called outside <App>');
  return model;
}
