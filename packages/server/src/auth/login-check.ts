import { randomBytes } from 'node:crypto';
import type { Store, User } from '../store/types.js';
import { hashPassword, verifyPassword } from './passwords.js';

/**
 * The user whose password this is, or null; it takes the same time whether the email is
 * unknown or the password wrong: an unknown email is checked against a dummy hash (made with
 * the current parameters, once per process), so the scrypt work runs either way and response
 * times do not tell which emails have accounts.
 */
export function loginChecker(store: Store): (email: string, password: string) => Promise<User | null> {
  const dummy = hashPassword(randomBytes(16).toString('base64url'));
  // An unused rejection would be unhandled until the first unknown email.
  dummy.catch(() => undefined);
  return async (email, password) => {
    const user = await store.getUserByEmail(email);
    const ok = await verifyPassword(password, user?.passwordHash ?? (await dummy));
    return user && ok ? user : null;
  };
}
