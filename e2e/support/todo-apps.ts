import type { BrowserContext, Page } from 'playwright-core';
import { buildTodoApp, type TodoAppName } from '@reprise/todo-apps';

/**
 * Serves one of examples/todo-apps at `<base>/examples/<name>/` inside a browser context (the
 * Reprise server's origin, which its default project accepts, as for the demo shop), with the
 * recorder tag in its head. `attrs` are extra data-* options of the tag.
 */
export async function serveTodoApp(
  ctx: BrowserContext,
  base: string,
  projectKey: string,
  name: TodoAppName,
  attrs: Record<string, string> = {},
): Promise<string> {
  const extra = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${v}"`)
    .join('');
  const { html, js } = await buildTodoApp(name, `<script src="/sdk/reprise.js" data-project-key="${projectKey}"${extra} async></script>`);
  const prefix = `/examples/${name}/`;
  await ctx.route(
    (u) => u.origin === new URL(base).origin && u.pathname.startsWith(prefix),
    (route) => {
      const path = new URL(route.request().url()).pathname;
      if (path === prefix) return route.fulfill({ contentType: 'text/html; charset=utf-8', body: html });
      if (path === `${prefix}app.js`) return route.fulfill({ contentType: 'text/javascript; charset=utf-8', body: js });
      return route.fulfill({ status: 404, body: 'not found' });
    },
  );
  return `${base}${prefix}`;
}

type Take = (label: string, settleMs?: number) => Promise<void>;

/** A user of the todo list: adds, completes, edits, filters, deletes and clears, with a checkpoint after each step. */
export async function useTodos(page: Page, take: Take): Promise<void> {
  await page.getByTestId('new-todo').waitFor();
  await take('empty list', 800);
  const add = async (title: string) => {
    await page.getByTestId('new-todo').fill(title);
    await page.getByTestId('new-todo').press('Enter');
    await take(`add "${title}"`);
  };
  for (const title of ['Buy milk', 'Walk the dog', 'Write report', 'Call mom']) await add(title);
  await page.getByTestId('toggle').nth(1).check();
  await take('complete "Walk the dog"');
  await page.getByTestId('toggle').nth(0).check();
  await take('complete "Buy milk"');
  await page.getByTestId('todo-label').nth(2).dblclick();
  await page.getByTestId('edit').fill('Write the report');
  await page.getByTestId('edit').press('Enter');
  await take('edit "Write report"');
  await page.getByTestId('filter-active').click();
  await take('filter active');
  await page.getByTestId('filter-completed').click();
  await take('filter completed');
  await page.getByTestId('filter-all').click();
  await take('filter all');
  await page.getByTestId('destroy').nth(3).click();
  await take('delete "Call mom"');
  await page.getByTestId('toggle').nth(0).uncheck();
  await take('reopen "Buy milk"');
  await page.getByTestId('clear-completed').click();
  await take('clear completed');
  await add('Read a book');
}
