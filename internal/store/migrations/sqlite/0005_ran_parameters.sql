-- The values a job's graph held at its bound parameters, the workflow's own
-- where the user gave none, so that a result and /history show what ran
-- rather than "default". JSON like parameters; NULL for older jobs.

ALTER TABLE jobs ADD COLUMN ran_parameters TEXT;
