-- Requests per upstream and minute, for the dashboard's budget history and the Prometheus counters.
-- rate_budget_grants is trimmed to a few windows (it is the limiter's log), so it cannot be counted later:
-- a trigger keeps a per-minute tally of every grant as it is recorded.
CREATE TABLE upstream_request_minutes (
  upstream  text NOT NULL,
  minute    timestamptz NOT NULL,
  requests  integer NOT NULL,
  PRIMARY KEY (upstream, minute)
);

CREATE FUNCTION upstream_request_minutes_tally() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO upstream_request_minutes (upstream, minute, requests)
  VALUES (NEW.upstream, date_trunc('minute', NEW.at), 1)
  ON CONFLICT (upstream, minute) DO UPDATE SET requests = upstream_request_minutes.requests + 1;
  RETURN NULL;
END
$fn$;

CREATE TRIGGER rate_budget_grants_tally AFTER INSERT ON rate_budget_grants
  FOR EACH ROW EXECUTE FUNCTION upstream_request_minutes_tally();
