import { writeFileSync } from 'node:fs';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { loadConfig } from './config/config.module';
import { apiDocument } from './http/api-document';
import { createHttpAdapter } from './http/app.setup';

/**
 * Writes the API document to the file named by the first argument, as /docs-json serves it, without
 * starting anything: Nest's preview mode builds the module graph but no provider, so no store is
 * reached. The defaults (every route of the `all` role) make it the same whatever the environment
 * says. `npm run client:generate` makes the TypeScript client from it.
 */
async function writeApiDocument(file: string): Promise<void> {
  const app = await NestFactory.create(AppModule.forRoot(loadConfig({})), createHttpAdapter(), { preview: true, logger: false });
  writeFileSync(file, `${JSON.stringify(apiDocument(app), null, 2)}\n`);
  await app.close();
}

writeApiDocument(process.argv[2]).catch((error: Error) => {
  console.error(`the API document was not written: ${error.message}`);
  process.exit(1);
});
