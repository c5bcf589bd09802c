-- Shared rate budget: a sliding-window log per upstream, shared by every process on this database.
CREATE TABLE rate_budget_grants (
  id        bigserial PRIMARY KEY,
  upstream  text NOT NULL,
  at        timestamptz NOT NULL
);
CREATE INDEX rate_budget_grants_idx ON rate_budget_grants (upstream, at);

-- A 429 (Retry-After) closes the budget of an upstream until a given time.
CREATE TABLE rate_budget_pauses (
  upstream  text PRIMARY KEY,
  until     timestamptz NOT NULL
);

-- Counters per upstream and outcome (requests, 429s, errors), for metrics.
CREATE TABLE upstream_events (
  id        bigserial PRIMARY KEY,
  upstream  text NOT NULL,
  kind      text NOT NULL,
  at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX upstream_events_idx ON upstream_events (upstream, kind, at);

-- IBGE names API answers, so that no name is asked twice.
CREATE TABLE census_names (
  name          text PRIMARY KEY,
  female_share  real,
  total         integer,
  fetched_at    timestamptz NOT NULL DEFAULT now()
);
