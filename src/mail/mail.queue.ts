export const MAIL_QUEUE = 'mail';

/** Jobs carry only the id: the message lives in the store, so every retry sends what was stored. */
export interface DeliveryJob {
  id: string;
}
