import { describe, expect, it } from 'vitest';
import type { SessionList } from '@reprise/protocol';
import { ADMIN } from './support/server.js';
import { useServerAndBrowser } from './support/harness.js';

const h = useServerAndBrowser();

interface ProjectInfo {
  id: string;
  name: string;
}

describe('the Tokens page (real Chromium)', () => {
  it('creates a named read-only token for one project, shows it once, lists it and revokes it', async () => {
    const other = await h.server.apiSend<ProjectInfo>('POST', '/api/v1/projects', { name: 'Second shop' });
    expect(other.status).toBe(201);
    const [first] = (await h.server.api<{ projects: ProjectInfo[] }>('/api/v1/projects')).projects;

    const ctx = await h.browser.newContext({ viewport: { width: 1400, height: 900 } });
    try {
      const page = await ctx.newPage();
      await page.goto(`${h.server.base}/login?next=/tokens`);
      await page.fill('input[name="email"]', ADMIN.email);
      await page.fill('input[name="password"]', ADMIN.password);
      await page.click('[data-testid="login-submit"]');
      await page.waitForURL(/\/tokens$/);
      await page.waitForSelector('[data-testid="token-row"]');
      // The harness's own token is listed, without its secret.
      const before = await page.locator('[data-testid="token-row"]').count();

      await page.fill('[data-testid="token-name-input"]', 'nightly export');
      await page.selectOption('[data-testid="token-scope-input"]', 'read');
      await page.selectOption('[data-testid="token-project-input"]', first!.id);
      await page.fill('[data-testid="token-expires-input"]', '30');
      await page.click('[data-testid="create-token"]');
      const secret = await page.locator('[data-testid="created-token"]').inputValue({ timeout: 10_000 });
      expect(secret).toMatch(/^rpt_/);

      const row = page.locator('[data-testid="token-row"]', { hasText: 'nightly export' });
      await row.waitFor();
      expect(await page.locator('[data-testid="token-row"]').count()).toBe(before + 1);
      expect(await row.getAttribute('data-status')).toBe('active');
      expect(await row.locator('[data-testid="token-scope"]').textContent()).toBe('Read');
      expect(await row.locator('[data-testid="token-projects"]').textContent()).toBe(first!.name);
      // Shown once: a reload lists the token but nowhere its secret.
      await page.reload();
      await row.waitFor();
      expect(await page.content()).not.toContain(secret);

      // The token works as created: reads its project, writes nothing.
      const auth = { authorization: `Bearer ${secret}` };
      const list = await fetch(`${h.server.base}/api/v1/sessions`, { headers: auth });
      expect(list.status).toBe(200);
      expect(((await list.json()) as SessionList).sessions.every((x) => x.projectId === first!.id)).toBe(true);
      const write = await fetch(`${h.server.base}/api/v1/saved-searches`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'x', query: 'has:error' }),
      });
      expect(write.status).toBe(403);

      page.once('dialog', (d) => void d.accept());
      await row.locator('[data-testid="revoke-token"]').click();
      await page.waitForSelector(
        `[data-testid="token-row"][data-token-id="${await row.getAttribute('data-token-id')}"][data-status="revoked"]`,
      );
      expect((await fetch(`${h.server.base}/api/v1/sessions`, { headers: auth })).status).toBe(401);
    } finally {
      await ctx.close();
    }
  });
});
