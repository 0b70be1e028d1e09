import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { existsSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';

/** Where `npm run build` (scripts/build-console.js) bundles console/ to: the same from src/ and from dist/. */
const ASSETS = join(__dirname, '..', '..', 'console', 'dist');

/**
 * Nothing but this origin's own files and API: no inline script, no other origin, no frame of the console
 * inside another page. A message's HTML is shown in a sandboxed srcdoc frame, which takes this policy as
 * its own: inline styles are allowed so that an email looks as its sender styled it (email HTML is styled
 * inline). They cannot run code, and the console itself renders no one else's markup outside that frame.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The console at /console: static files bundled at build time, which talk to the public API with the
 * user's own key (held in the tab, sent as a Bearer token). The files need no key, as a sign-in page
 * cannot; everything they show comes from the API, which does. Mounted on Express itself, like /docs,
 * so that it comes before Nest's router: @nestjs/serve-static picks its loader before a testing
 * module's app has an HTTP adapter, and so serves nothing under Test.createTestingModule.
 */
export function mountConsole(app: NestExpressApplication): void {
  if (!existsSync(join(ASSETS, 'index.html'))) {
    new Logger('Console').warn('/console has nothing to serve: the console is not built (npm run build)');
  }
  app.useStaticAssets(ASSETS, { prefix: '/console', setHeaders: (response: ServerResponse) => response.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY) });
}
