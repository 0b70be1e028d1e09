import type { Page } from 'playwright-core';

/** What Chromium logs of an API call refused for want of a right key: the console's first look, without one, or a wrong key. */
export const UNAUTHORIZED_CALL = 'console.error: Failed to load resource: the server responded with a status of 401 (Unauthorized)';
/** What Chromium logs of an API call refused to a key without the admin scope. */
export const FORBIDDEN_CALL = 'console.error: Failed to load resource: the server responded with a status of 403 (Forbidden)';

/** Signs in on the console's sign-in page as a user does: types the key, presses the button. */
export async function signIn(page: Page, key: string): Promise<void> {
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
