-- The images a job starts from (attachments, results used as input): the
-- PostgreSQL form of sqlite/0003_job_inputs.sql. The bytes live here rather
-- than in ComfyUI's input folder so that a job re-queued to another
-- backend, or recovered after a restart, can upload them again. They go
-- with their job.

CREATE TABLE job_inputs (
    job_id       BIGINT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    slot         TEXT   NOT NULL,
    filename     TEXT   NOT NULL,
    content_type TEXT   NOT NULL,
    width        BIGINT NOT NULL,
    height       BIGINT NOT NULL,
    data         BYTEA  NOT NULL,
    PRIMARY KEY (job_id, slot)
);
