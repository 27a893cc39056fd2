// Vitest setup: each test starts with empty localStorage and the default
// <html> attributes, so preference tests cannot leak into each other.
import { afterEach } from 'vitest';

afterEach(() => {
  localStorage.clear();
  document.documentElement.removeAttribute('data-theme');
  document.documentElement.lang = '';
});
