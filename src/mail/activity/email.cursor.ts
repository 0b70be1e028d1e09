import { BadRequestException } from '@nestjs/common';
import type { HistoryCursor } from '../../database/database.module';

/**
 * `nextCursor`: where a page ended, as the creation time (ms) and id of its last message. Opaque to
 * clients; documented as such, so its format may change.
 */
export function encodeCursor({ createdAt, id }: HistoryCursor): string {
  return Buffer.from(`${createdAt}:${id}`).toString('base64url');
}

export function decodeCursor(value: string): HistoryCursor {
  const [createdAt, id] = Buffer.from(value, 'base64url').toString().split(':');
  if (!/^\d+$/.test(createdAt ?? '') || !/^[0-9a-f-]{36}$/.test(id ?? '')) {
    throw new BadRequestException(['cursor is not one this API returned']);
  }
  return { createdAt: Number(createdAt), id };
}
