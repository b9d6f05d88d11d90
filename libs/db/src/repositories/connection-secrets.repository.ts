import type { DataSource } from 'typeorm';

/**
 * The OAuth2 refresh tokens of connections as the dispatcher keeps them: a token the OAuth2
 * server rotated to is stored, already sealed, on its connection, so a restarted or other
 * dispatcher uses the current one, not a spent one. Only an oauth2 connection is touched. The
 * write is the dispatcher's own, not configuration: it bumps no configuration version (migration
 * 1764600000000); other dispatchers read it when they refresh.
 */
export class ConnectionSecretsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async storeRotatedRefreshToken(connectionId: string, sealedRefreshToken: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE connections SET auth = jsonb_set(auth, '{refresh_token}', to_jsonb($2::text))
        WHERE id = $1 AND auth->>'type' = 'oauth2'`,
      [connectionId, sealedRefreshToken],
    );
  }

  /** The sealed refresh token stored on an oauth2 connection now (configured or rotated), if any. */
  async storedRefreshToken(connectionId: string): Promise<string | undefined> {
    const rows = await this.dataSource.query<Array<{ refresh_token: string | null }>>(
      `SELECT auth->>'refresh_token' AS refresh_token FROM connections WHERE id = $1 AND auth->>'type' = 'oauth2'`,
      [connectionId],
    );
    return rows[0]?.refresh_token ?? undefined;
  }
}
