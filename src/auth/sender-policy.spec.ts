import { isAllowedSender } from './sender-policy';

describe('isAllowedSender', () => {
  it('allows anyone with an empty list', () => {
    expect(isAllowedSender('anyone@anywhere.example', [])).toBe(true);
  });

  it('matches whole addresses and @domain entries, ignoring case', () => {
    const allowed = ['billing@example.com', '@Shop.Example'];
    expect(isAllowedSender('Billing@Example.com', allowed)).toBe(true);
    expect(isAllowedSender('news@shop.example', allowed)).toBe(true);
    expect(isAllowedSender('other@example.com', allowed)).toBe(false);
  });

  it('does not let a subdomain or a look-alike pass for the domain', () => {
    expect(isAllowedSender('a@evil.shop.example', ['@shop.example'])).toBe(false);
    expect(isAllowedSender('a@shop.example.evil', ['@shop.example'])).toBe(false);
  });
});
