export type Scope = 'send' | 'admin';

/** Who is calling: the API key's name and scope, or the local operator when no keys are configured. */
export interface Principal {
  name: string;
  scope: Scope;
  /** Senders this caller may use; undefined follows MAIL_ALLOWED_FROM. */
  allowedFrom?: string[];
}

/** Without API_KEYS, mailroute listens on 127.0.0.1 only, and whoever can reach it is its operator. */
export const LOCAL_OPERATOR: Principal = { name: 'local', scope: 'admin' };

export const grants = (held: Scope, needed: Scope) => held === 'admin' || needed === 'send';
