-- Workflows belong to one Discord server: a name is unique within a server,
-- and a server's workflows go with it. A UNIQUE constraint cannot be changed
-- in place in SQLite, so the table is rebuilt. The bot never wrote to the
-- old table; a row without a server could not be scoped, so none is kept.

CREATE TABLE workflows_scoped (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    server_id   INTEGER NOT NULL REFERENCES servers (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    workflow    TEXT    NOT NULL,
    sidecar     TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (server_id, name)
);

DROP TABLE workflows;

ALTER TABLE workflows_scoped RENAME TO workflows;
