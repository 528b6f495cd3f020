import { createHost, el, type UiHost } from './host.js';

const CSS = `
form{display:flex;flex-direction:column;gap:6px;width:260px}
textarea,input{font:inherit;border:1px solid #aaa;border-radius:6px;padding:4px 6px;box-sizing:border-box;width:100%}
textarea{min-height:70px;resize:vertical}
.row{display:flex;gap:6px;justify-content:flex-end}
label{font-weight:600}
`;

export interface FeedbackSubmit {
  message: string;
  email?: string;
}

/**
 * Opt-in "Report a problem" widget: a button opening a small form (description,
 * optional email). Submitting hands the text to `onSubmit`.
 */
export function showFeedback(onSubmit: (f: FeedbackSubmit) => void): UiHost | null {
  const ui = createHost('reprise-feedback', CSS, 'position:fixed;left:16px;bottom:16px;z-index:2147483647');
  if (!ui) return null;
  const box = el('div', { class: 'box' });
  const open = el('button', { type: 'button', 'aria-expanded': 'false' }, 'Report a problem');
  const form = el('form', { 'aria-label': 'Report a problem' });
  form.hidden = true;
  const msgId = 'reprise-fb-msg';
  const mailId = 'reprise-fb-mail';
  form.appendChild(el('label', { for: msgId }, 'What went wrong?'));
  const message = el('textarea', { id: msgId, required: '', maxlength: '4000' });
  form.appendChild(message);
  form.appendChild(el('label', { for: mailId }, 'Email (optional)'));
  const email = el('input', { id: mailId, type: 'email', autocomplete: 'email', maxlength: '254' });
  form.appendChild(email);
  const row = el('div', { class: 'row' });
  const cancel = el('button', { type: 'button' }, 'Cancel');
  const submit = el('button', { type: 'submit' }, 'Submit');
  row.appendChild(cancel);
  row.appendChild(submit);
  form.appendChild(row);
  const status = el('span', { role: 'status', 'aria-live': 'polite' });

  const setOpen = (on: boolean): void => {
    form.hidden = !on;
    open.hidden = on;
    open.setAttribute('aria-expanded', String(on));
    if (on) {
      status.textContent = '';
      message.focus();
    }
  };
  open.onclick = () => setOpen(true);
  cancel.onclick = () => setOpen(false);
  form.onsubmit = (e) => {
    e.preventDefault();
    const text = message.value.trim();
    if (!text) {
      message.focus();
      return;
    }
    const mail = email.value.trim();
    onSubmit(mail ? { message: text.slice(0, 4000), email: mail.slice(0, 254) } : { message: text.slice(0, 4000) });
    message.value = '';
    email.value = '';
    setOpen(false);
    status.textContent = 'Thanks, your report was sent.';
  };
  box.appendChild(open);
  box.appendChild(form);
  box.appendChild(status);
  ui.root.appendChild(box);
  return ui;
}
