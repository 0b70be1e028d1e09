import { OutgoingEmail } from '../../src/providers/providers.module';

/** One message that uses every field of the API, with non-ASCII names and subject, for mapping tests. */
export const richEmail: OutgoingEmail = {
  id: '7d1f6a52-3c4b-4e8d-9f0a-1b2c3d4e5f60',
  from: { email: 'shop@example.com', name: 'Ünïcode Shop' },
  to: [{ email: 'ann@example.com', name: 'Ann Müller' }, { email: 'bob@example.com' }],
  cc: [{ email: 'carol@example.com', name: 'Carol "CC" Smith' }],
  bcc: [{ email: 'audit@example.com' }],
  replyTo: { email: 'support@example.com', name: 'Support Team' },
  subject: 'Grüße aus Köln 📦 — your order',
  text: 'Hello Ann, your order is on its way. Grüße!',
  html: '<p>Hello Ann, your order is <b>on its way</b>. Grüße!</p><img src="cid:logo">',
  headers: { 'X-Campaign': 'autumn-sale', 'List-Unsubscribe': '<mailto:unsubscribe@example.com>' },
  tags: ['order-shipped', 'eu'],
  metadata: { orderId: '1042', customer: 'Ann Müller' },
  attachments: [
    // Every byte value, so that any text re-encoding on the way would show.
    { filename: 'invoice-1042.pdf', contentType: 'application/pdf', content: Buffer.from(Array.from({ length: 256 }, (_, i) => i)) },
    { filename: 'logo.png', contentType: 'image/png', content: Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), contentId: 'logo' },
  ],
};
