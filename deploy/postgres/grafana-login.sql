-- The login role Grafana's "Flowline analytics" data source uses in docker compose and deploy/local
-- (decision 0023): a member of flowline_analyst_read, which the migrations grant SELECT on the views
-- of the flowline_analytics schema, and nothing else. Idempotent. Its password is the session
-- setting flowline.grafana_password, which the caller sets first (grafana-login.psql, postgres.sh).
--
-- In production, do the same with your own login role and a password from your secret store:
--   CREATE ROLE <login> LOGIN PASSWORD '...';  GRANT flowline_analyst_read TO <login>;
DO $$
DECLARE
  password text := current_setting('flowline.grafana_password');
BEGIN
  IF password IS NULL OR length(password) < 8 THEN
    RAISE EXCEPTION 'the Grafana login needs a password of 8 characters or more (FLOWLINE_GRAFANA_DB_PASSWORD)';
  END IF;
  -- The migrations create it too; whichever runs first makes it.
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'flowline_analyst_read') THEN
    CREATE ROLE flowline_analyst_read NOLOGIN;
  END IF;
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'flowline_grafana') THEN
    EXECUTE format('ALTER ROLE flowline_grafana LOGIN PASSWORD %L', password);
  ELSE
    EXECUTE format('CREATE ROLE flowline_grafana LOGIN PASSWORD %L', password);
  END IF;
END $$;
-- A dashboard's query may not hold the database for long, nor write even by mistake.
ALTER ROLE flowline_grafana SET statement_timeout = '30s';
ALTER ROLE flowline_grafana SET default_transaction_read_only = on;
GRANT flowline_analyst_read TO flowline_grafana;
