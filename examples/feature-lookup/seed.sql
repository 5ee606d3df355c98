-- Seed data for the feature-lookup example: per-customer features the scoring script reads by id.
-- `ml-inference-lb local up` runs it against the local `features` database (backing_services.database.
-- databases[0].seed). On Azure, load it with your own tooling as an Entra administrator of the server and
-- grant the endpoint's role access (see README.md).
CREATE SCHEMA IF NOT EXISTS churn;

CREATE TABLE IF NOT EXISTS churn.customer_features (
    entity_id       text PRIMARY KEY,
    tenure_months   integer NOT NULL,
    monthly_spend   numeric(10, 2) NOT NULL,
    support_tickets integer NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- 1000 customers, c-0001 .. c-1000, with deterministic features.
INSERT INTO churn.customer_features (entity_id, tenure_months, monthly_spend, support_tickets)
SELECT format('c-%s', lpad(n::text, 4, '0')),
       (n * 7) % 72 + 1,
       round((20 + (n * 37) % 180)::numeric + ((n % 100)::numeric / 100), 2),
       (n * 13) % 6
FROM generate_series(1, 1000) AS n
ON CONFLICT (entity_id) DO NOTHING;
