import { Body, Controller, HttpCode, HttpStatus, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';

/**
 * The wall Nest itself stands for (issue 18): the Nest version mailroute runs, on the same Express
 * adapter, parsing the same JSON body into a handler that answers 202 and does nothing else; no
 * middleware, guard, pipe or logger. PORT from the environment; prints `ready` once listening.
 */
@Controller()
class BareController {
  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  accept(@Body() _email: unknown): { id: string; status: string } {
    return { id: 'x', status: 'queued' };
  }
}

@Module({ controllers: [BareController] })
class BareModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(BareModule, { logger: false, bodyParser: false });
  app.useBodyParser('json');
  await app.listen(Number(process.env.PORT), '127.0.0.1');
  console.log('ready');
}

void main();
