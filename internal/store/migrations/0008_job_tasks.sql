-- A multi-task job is a row of its own (the job as submitted) and one row
-- per task, naming the job as parent and its index; a single-task job has
-- no task rows.
ALTER TABLE jobs ADD COLUMN parent_id TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN task_index INTEGER NOT NULL DEFAULT 0;
CREATE INDEX jobs_parent ON jobs(parent_id, task_index);
