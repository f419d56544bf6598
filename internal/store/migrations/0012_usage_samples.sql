-- Telemetry. Each usage report's measured use, signed with it (see
-- market.Use), so that a stored report still verifies.
ALTER TABLE usage_reports ADD COLUMN cpu_millis INTEGER NOT NULL DEFAULT 0;
ALTER TABLE usage_reports ADD COLUMN memory_peak INTEGER NOT NULL DEFAULT 0;
ALTER TABLE usage_reports ADD COLUMN gpu_millis INTEGER NOT NULL DEFAULT 0;
ALTER TABLE usage_reports ADD COLUMN gpu_memory_peak INTEGER NOT NULL DEFAULT 0;
-- The stats store: the samples a provider takes of each execution it runs
-- (cgroup CPU time and memory, GPU utilisation and memory).
CREATE TABLE usage_samples (
    execution_id TEXT NOT NULL,
    job_id       TEXT NOT NULL,
    task_index   INTEGER NOT NULL DEFAULT 0,
    at           INTEGER NOT NULL,
    cpu_millis   INTEGER NOT NULL DEFAULT 0,
    memory       INTEGER NOT NULL DEFAULT 0,
    memory_peak  INTEGER NOT NULL DEFAULT 0,
    -- gpu_util: mean utilisation of the execution's GPUs at the sample, percent.
    gpu_util     REAL NOT NULL DEFAULT 0,
    gpu_memory   INTEGER NOT NULL DEFAULT 0,
    gpu_millis   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (execution_id, at)
);
CREATE INDEX usage_samples_job ON usage_samples(job_id, at);
