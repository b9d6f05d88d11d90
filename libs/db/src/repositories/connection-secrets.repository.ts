import type { DataSource } from 'typeorm';

/**
 * Stores a refresh token the OAuth2 server rotated to, already sealed, on its connection: a
 * restarted or other dispatcher then uses the current one, not a spent one. Only an oauth2
 * connection is touched; the write bumps the configuration version like any connection change.
 */
export async function storeRotatedRefreshToken(
  dataSource: DataSource,
  connectionId: string,
  sealedRefreshToken: string,
): Promise<void> {
  await dataSource.query(
    `UPDATE connections SET auth = jsonb_set(auth, '{refresh_token}', to_jsonb($2::text))
      WHERE id = $1 AND auth->>'type' = 'oauth2'`,
    [connectionId, sealedRefreshToken],
  );
}
