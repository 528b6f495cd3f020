import type { StepTarget } from '../../digest/index.js';
import { str } from './literals.js';

/**
 * The Playwright locator a hand-written test would use for a recorded target: its test id,
 * else its ARIA role with the accessible name, else the recorded CSS selector.
 */
export function locatorFor(t: StepTarget): string {
  if (t.testId) return `page.getByTestId(${str(t.testId)})`;
  if (t.role && ROLES.has(t.role) && t.name) return `page.getByRole(${str(t.role)}, { name: ${str(t.name)} })`;
  if (t.selector) return `page.locator(${str(t.selector)})`;
  if (t.name) return `page.getByText(${str(t.name)})`;
  return `page.locator('body')`;
}

/** The roles `getByRole` accepts that recorded targets carry (others fall back to the selector). */
const ROLES = new Set([
  'button',
  'checkbox',
  'combobox',
  'link',
  'listbox',
  'menuitem',
  'menuitemcheckbox',
  'menuitemradio',
  'option',
  'radio',
  'searchbox',
  'slider',
  'spinbutton',
  'switch',
  'tab',
  'textbox',
  'treeitem',
]);
