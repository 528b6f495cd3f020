import type { ServerConfig } from './config.js';
import { generatePassword, hashPassword } from './auth/passwords.js';
import type { Store } from './store/types.js';

export interface BootstrapResult {
  projectKey: string;
  /** Set only on the very first start when no admin password was configured: print it once. */
  generatedAdminPassword: string | null;
  adminEmail: string | null;
}

/** First start: one default project and one admin, so `npm start` is usable at once. */
export async function bootstrap(store: Store, config: ServerConfig): Promise<BootstrapResult> {
  // Instances starting together on one database must not each create a project and an admin.
  return store.exclusive ? store.exclusive('bootstrap', () => firstStart(store, config)) : firstStart(store, config);
}

async function firstStart(store: Store, config: ServerConfig): Promise<BootstrapResult> {
  let projects = await store.listProjects();
  if (projects.length === 0) {
    await store.createProject({ name: 'Default', allowedOrigins: config.defaultAllowedOrigins });
    projects = await store.listProjects();
  }
  let generatedAdminPassword: string | null = null;
  let adminEmail: string | null = null;
  if ((await store.countUsers()) === 0) {
    const password = config.adminPassword ?? generatePassword();
    if (!config.adminPassword) generatedAdminPassword = password;
    adminEmail = config.adminEmail;
    await store.createUser({ email: config.adminEmail, passwordHash: await hashPassword(password), role: 'admin' });
  }
  return { projectKey: projects[0]!.key, generatedAdminPassword, adminEmail };
}
