import { Provider, ServiceUnavailableException } from '@nestjs/common';
import { FlowlineEnv } from '@flowline/config';
import { SecretBox } from '@flowline/secrets';

/** Seals and opens connection secrets; absent when FLOWLINE_SECRET_KEY is not configured. */
export class Secrets {
  constructor(private readonly box: SecretBox | undefined) {}

  seal(plaintext: string): string {
    if (!this.box) {
      throw new ServiceUnavailableException(
        'connection secrets cannot be stored: FLOWLINE_SECRET_KEY is not configured',
      );
    }
    return this.box.seal(plaintext);
  }
}

export const SECRETS_PROVIDER: Provider = {
  provide: Secrets,
  inject: [FlowlineEnv],
  useFactory: (config: FlowlineEnv) =>
    new Secrets(
      config.FLOWLINE_SECRET_KEY
        ? new SecretBox(config.FLOWLINE_SECRET_KEY, config.FLOWLINE_SECRET_KEY_PREVIOUS)
        : undefined,
    ),
};
