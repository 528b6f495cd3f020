import { createHost, el, type UiHost } from './host.js';

/**
 * "Recording for support" badge shown while recording under a support link, with a
 * Stop button. Accessible: a polite status region and a real <button>.
 */
export function showBadge(onStop: () => void): UiHost | null {
  const ui = createHost('reprise-badge', '', 'position:fixed;right:16px;bottom:16px;z-index:2147483647');
  if (!ui) return null;
  const box = el('div', { class: 'box', role: 'status', 'aria-live': 'polite' });
  box.appendChild(el('span', { class: 'dot', 'aria-hidden': 'true' }));
  box.appendChild(el('span', {}, 'Recording for support'));
  const stop = el('button', { type: 'button' }, 'Stop');
  stop.onclick = () => onStop();
  box.appendChild(stop);
  ui.root.appendChild(box);
  return ui;
}
