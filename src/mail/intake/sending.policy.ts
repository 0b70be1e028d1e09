import { ForbiddenException, Injectable, UnprocessableEntityException } from '@nestjs/common';
import { Principal, grants, isAllowedSender } from '../../auth/auth.module';
import { AppConfig } from '../../config/config.module';
import type { OutgoingEmail } from '../../providers/providers.module';
import { SuppressionStore } from '../suppressions/suppressions.module';

/**
 * Whether `caller` may send this message: its sender must be one the key (or MAIL_ALLOWED_FROM) allows,
 * and no recipient may be on the suppression list unless an admin key says to send anyway.
 */
@Injectable()
export class SendingPolicy {
  private readonly allowedFrom: string[];

  constructor(
    private readonly suppressions: SuppressionStore,
    config: AppConfig,
  ) {
    this.allowedFrom = config.security.allowedFrom;
  }

  /** Throws the refusal (403, 422); a failed suppression lookup is thrown as it is, for the caller's 503. */
  async check(email: OutgoingEmail, allowSuppressed: boolean, caller: Principal): Promise<void> {
    if (!isAllowedSender(email.from.email, caller.allowedFrom ?? this.allowedFrom)) {
      throw new ForbiddenException([`from ${email.from.email} is not an allowed sender for this API key`]);
    }
    if (allowSuppressed && !grants(caller.scope, 'admin')) {
      throw new ForbiddenException(['allowSuppressed needs an API key with the admin scope']);
    }
    if (!allowSuppressed) await this.refuseSuppressed(email);
  }

  /** Hard-bounced and complaining addresses are refused. */
  private async refuseSuppressed(email: OutgoingEmail): Promise<void> {
    const fields = (['to', 'cc', 'bcc'] as const).flatMap((field) => email[field].map(({ email: address }) => ({ field, address })));
    const suppressed = await this.suppressions.among(fields.map(({ address }) => address));
    if (suppressed.length === 0) return;
    throw new UnprocessableEntityException(
      suppressed.map(({ email: address, reason, source }) => {
        const field = fields.find((candidate) => candidate.address.toLowerCase() === address)?.field;
        return `${field} ${address} is on the suppression list (${reason} reported by ${source}); an admin key may send with "allowSuppressed": true`;
      }),
    );
  }
}
