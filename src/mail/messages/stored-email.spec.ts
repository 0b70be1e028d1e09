import { contentFrom, StoredContent, storedContent } from './stored-email';

const small: StoredContent = { id: '0b9c6a52-4d0e-4c55-9d0f-3f6f1b1d2a10', from: { email: 'shop@example.com' }, to: [{ email: 'ann@example.net' }], cc: [], bcc: [], subject: 'Hi', text: 'Hello', headers: {}, tags: [], metadata: {} };
const large: StoredContent = {
  ...small,
  subject: 'Ihre Bestellung 📦 ist unterwegs',
  html: `<p>${'Grüße aus Köln — 日本語のテキスト, '.repeat(300)}</p>`,
  text: 'Zeile\n'.repeat(400),
  metadata: { orderId: '1042' },
};

describe('storedContent', () => {
  it('keeps a small message as its JSON', () => {
    expect(storedContent(small)).toBe(JSON.stringify(small));
  });

  it('deflates a large one to a fraction of its JSON, and gives back every character', () => {
    const stored = storedContent(large);
    expect(stored.length).toBeLessThan(JSON.stringify(large).length / 4);
    expect(contentFrom(stored)).toStrictEqual(large);
  });

  it('reads the plain JSON that records written before deflating hold', () => {
    expect(contentFrom(JSON.stringify(large))).toStrictEqual(large);
  });
});
