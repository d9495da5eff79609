-- The images a job starts from (attachments, results used as input). The
-- bytes live here rather than in ComfyUI's input folder so that a job
-- re-queued to another backend, or recovered after a restart, can upload
-- them again. They go with their job.

CREATE TABLE job_inputs (
    job_id       INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    slot         TEXT    NOT NULL,
    filename     TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    data         BLOB    NOT NULL,
    PRIMARY KEY (job_id, slot)
);
