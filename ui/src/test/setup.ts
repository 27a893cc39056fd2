// Vitest setup: each test starts with empty localStorage and the default
// <html> attributes, so preference tests cannot leak into each other.
// jsdom lacks `Element.scrollTo`; the stand-in sets the offset and fires
// `scroll`, as a browser does, so virtualised lists can be scrolled.
import { afterEach } from 'vitest';

if (typeof Element.prototype.scrollTo !== 'function') {
  Element.prototype.scrollTo = function (this: Element, options?: ScrollToOptions | number, y?: number) {
    const top = typeof options === 'number' ? y : options?.top;
    if (typeof top === 'number') this.scrollTop = top;
    this.dispatchEvent(new Event('scroll'));
  } as Element['scrollTo'];
}

afterEach(() => {
  localStorage.clear();
  document.documentElement.removeAttribute('data-theme');
  document.documentElement.lang = '';
});
