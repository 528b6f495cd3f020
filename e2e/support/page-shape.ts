import type { Frame, Page } from 'playwright-core';

/** What a person sees of a page or a replayed frame: visible text, the test-id'd parts on screen, the title. */
export async function pageShape(frame: Page | Frame) {
  return frame.evaluate(() => ({
    text: (document.body.innerText || '').replace(/\s+/g, ' ').trim(),
    testIds: [...document.querySelectorAll('[data-testid]')]
      .filter((el) => (el as HTMLElement).offsetParent !== null || getComputedStyle(el).position === 'fixed')
      .map((el) => el.getAttribute('data-testid'))
      .sort(),
    title: document.title,
  }));
}
