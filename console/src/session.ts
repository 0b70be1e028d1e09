/**
 * The API key lives in the tab's session storage: gone when the tab closes, never in a URL, and never in
 * a cookie, so the server only ever sees it in the Authorization header the console itself sends.
 */
const KEY = 'mailroute.apiKey';

export const storedKey = (): string | undefined => sessionStorage.getItem(KEY) ?? undefined;

export const storeKey = (apiKey: string): void => sessionStorage.setItem(KEY, apiKey);

export const forgetKey = (): void => sessionStorage.removeItem(KEY);
