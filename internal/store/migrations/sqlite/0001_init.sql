-- The PRD's tables, with the columns the design adds. Times are UTC unix
-- milliseconds in INTEGER columns, booleans are 0/1, JSON is TEXT.
-- AUTOINCREMENT keeps ids from being reused: job ids live on in buttons.

CREATE TABLE users (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    discord_id       TEXT    NOT NULL UNIQUE,
    username         TEXT    NOT NULL,
    default_delivery TEXT             DEFAULT 'channel',
    created_at       INTEGER NOT NULL
);

CREATE TABLE servers (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    discord_id         TEXT    NOT NULL UNIQUE,
    name               TEXT    NOT NULL,
    default_channel_id TEXT,
    max_queue_per_user INTEGER,
    default_delivery   TEXT,
    default_workflow   TEXT,
    dm_policy          TEXT,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);

CREATE TABLE server_roles (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    server_id        INTEGER NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    role_discord_id  TEXT    NOT NULL,
    permission_level TEXT    NOT NULL,
    UNIQUE (server_id, role_discord_id)
);

CREATE TABLE templates (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER NOT NULL REFERENCES users (id),
    server_id       INTEGER          REFERENCES servers (id) ON DELETE CASCADE,
    name            TEXT    NOT NULL,
    name_key        TEXT    NOT NULL,
    shared          INTEGER NOT NULL DEFAULT 0 CHECK (shared IN (0, 1)),
    positive_prompt TEXT    NOT NULL,
    negative_prompt TEXT    NOT NULL DEFAULT '',
    parameters      TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    CHECK (shared = 0 OR server_id IS NOT NULL)
);

-- A name is unique among one user's private templates and among one server's
-- shared templates, ignoring case (name_key is the lower-cased name).
CREATE UNIQUE INDEX templates_private_name ON templates (user_id, name_key) WHERE shared = 0;
CREATE UNIQUE INDEX templates_shared_name ON templates (server_id, name_key) WHERE shared = 1;

CREATE TABLE jobs (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    -- NULL until the job is first submitted to ComfyUI.
    prompt_id         TEXT UNIQUE,
    user_id           INTEGER NOT NULL REFERENCES users (id),
    server_id         INTEGER          REFERENCES servers (id),
    channel_id        TEXT,
    status            TEXT    NOT NULL DEFAULT 'queued',
    positive_prompt   TEXT,
    negative_prompt   TEXT,
    parameters        TEXT,
    output_images     TEXT,
    error_message     TEXT,
    delivery_type     TEXT,
    -- message_id is the status message; status_channel_id its channel.
    message_id        TEXT,
    created_at        INTEGER NOT NULL,
    completed_at      INTEGER,
    backend           TEXT,
    -- Decimal text: an INTEGER column cannot hold seeds above 2^63-1.
    seed              TEXT    NOT NULL DEFAULT '0',
    workflow_name     TEXT,
    attempts          INTEGER NOT NULL DEFAULT 0,
    progress          REAL    NOT NULL DEFAULT 0,
    progress_text     TEXT,
    status_channel_id TEXT,
    queued_at         INTEGER NOT NULL,
    submitted_at      INTEGER,
    started_at        INTEGER,
    finished_at       INTEGER,
    error_code        TEXT,
    updated_at        INTEGER NOT NULL
);

CREATE INDEX jobs_status ON jobs (status);
CREATE INDEX jobs_user_status ON jobs (user_id, status);
CREATE INDEX jobs_server_created ON jobs (server_id, created_at);

CREATE TABLE workflows (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL UNIQUE,
    description TEXT    NOT NULL DEFAULT '',
    workflow    TEXT    NOT NULL,
    sidecar     TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id          INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    part            INTEGER NOT NULL,
    channel_id      TEXT    NOT NULL,
    message_id      TEXT    NOT NULL,
    attachment_urls TEXT    NOT NULL,
    delivered_at    INTEGER NOT NULL,
    UNIQUE (job_id, part)
);
