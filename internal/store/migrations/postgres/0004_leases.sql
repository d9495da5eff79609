-- The lease that makes one of several bot processes sharing this database
-- the active one (gateway and queue). Standbys watch version: a holder that
-- stops raising it for the lease's time is taken over. renewed_at is for
-- display; no process compares another's clock with its own.

CREATE TABLE leases (
    name       TEXT    PRIMARY KEY,
    holder     TEXT    NOT NULL DEFAULT '',
    term       BIGINT  NOT NULL,
    version    BIGINT  NOT NULL,
    renewed_at BIGINT  NOT NULL
);
