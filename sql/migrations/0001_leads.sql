-- Leads exported daily by the warehouse (spec: Subscription), with the contract's course interest and
-- structured address. A row that broke a rule of the import is kept as invalid_data with its reasons.
CREATE TABLE subscriptions (
  id                 bigserial PRIMARY KEY,
  -- 11 digits; NULL only for an invalid_data row whose CPF itself was unreadable
  cpf                char(11) UNIQUE CHECK (cpf ~ '^[0-9]{11}$'),
  -- identity of an invalid row without a usable CPF (hash of its raw fields), so a re-import is idempotent
  invalid_key        text UNIQUE,
  status             text NOT NULL CHECK (status IN (
                       'invalid_data', 'to_sync', 'course_failed', 'empty_course', 'to_register',
                       'registered', 'register_failed', 'awaiting_register', 'enrolled', 'dropped', 'failed')),
  invalid_reasons    jsonb,
  raw                jsonb,
  user_name          text,
  email              text,
  birthday           date,
  gender             char(1) CHECK (gender IN ('M', 'F')),
  gender_source      text CHECK (gender_source IN ('import', 'census')),
  gender_probability real,
  area_code          text,
  phone_number       text,
  rg                 text,
  cep                char(8),
  street             text,
  address_number     text,
  city               text,
  state              char(2),
  course_name        text,
  course_type        text,
  modality           text,
  unit_id            integer,
  monthly_price      numeric(12, 2),
  captation_period   integer,
  source_file        text,
  source_line        integer,
  sent_at            timestamptz,
  last_check         timestamptz,
  status_reason      text,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  CHECK (cpf IS NOT NULL OR invalid_key IS NOT NULL),
  CHECK (status = 'invalid_data' OR cpf IS NOT NULL)
);

-- claims by status, oldest import first
CREATE INDEX subscriptions_status_idx ON subscriptions (status, id);
-- the follow-up checker skips leads checked recently
CREATE INDEX subscriptions_check_idx ON subscriptions (status, last_check);
-- funnel by day of import
CREATE INDEX subscriptions_created_idx ON subscriptions (created_at);

-- Every status change of a lead, with why and by which run/step.
CREATE TABLE lead_transitions (
  id              bigserial PRIMARY KEY,
  subscription_id bigint NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
  from_status     text,
  to_status       text NOT NULL,
  reason          text NOT NULL,
  run_id          text,
  step            text,
  detail          jsonb,
  at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lead_transitions_subscription_idx ON lead_transitions (subscription_id, id);

-- The two offers chosen by syncCourses for a lead (option 1 and 2, in the catalog's order).
CREATE TABLE courses (
  id                   bigserial PRIMARY KEY,
  subscription_id      bigint NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
  option               smallint NOT NULL CHECK (option IN (1, 2)),
  offer_id             text NOT NULL,
  sistema              text NOT NULL,
  course_name          text NOT NULL,
  course_type          text,
  modality             text,
  monthly_price        numeric(12, 2),
  registration_ends_on date,
  source               jsonb NOT NULL,
  created_at           timestamptz NOT NULL DEFAULT now(),
  UNIQUE (subscription_id, option)
);
-- register spends the budget first on leads whose offers close soonest
CREATE INDEX courses_ends_idx ON courses (registration_ends_on, subscription_id);

-- What Kroton knows about a lead (spec: FollowUp), source as returned.
CREATE TABLE follow_ups (
  id                            bigserial PRIMARY KEY,
  subscription_id               bigint NOT NULL UNIQUE REFERENCES subscriptions (id) ON DELETE CASCADE,
  kroton_subscription_id        text,
  kroton_subscription_dealer_id text,
  source                        jsonb NOT NULL,
  created_at                    timestamptz NOT NULL DEFAULT now(),
  updated_at                    timestamptz NOT NULL DEFAULT now()
);

-- Register is not idempotent at Kroton: the intent to post is committed before the POST, and its outcome
-- after. An attempt with no outcome means "unknown": reconcile by CPF before anything is posted again.
CREATE TABLE register_attempts (
  id              bigserial PRIMARY KEY,
  subscription_id bigint NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
  run_id          text,
  started_at      timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz,
  outcome         text CHECK (outcome IN ('registered', 'awaiting_register', 'rejected', 'unknown', 'reconciled', 'not_sent')),
  http_status     integer,
  response        jsonb
);
CREATE UNIQUE INDEX register_attempts_open_idx ON register_attempts (subscription_id) WHERE finished_at IS NULL;
CREATE INDEX register_attempts_subscription_idx ON register_attempts (subscription_id);

-- One row per import command.
CREATE TABLE imports (
  id          bigserial PRIMARY KEY,
  file        text NOT NULL,
  started_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  report      jsonb
);
