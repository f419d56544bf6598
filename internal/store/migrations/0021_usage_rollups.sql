-- The utilisation chart's steps rolled up as samples are taken
-- (store.PutUsageSample keeps them in the same transaction): one row per
-- step length, step and execution holding what store.UsageSummaries
-- answers, so that a 24-hour or 7-day window reads one row per execution
-- and step instead of grouping every raw sample. step is the step's
-- length and bucket the step's number (at / step), both from the Unix
-- epoch in nanoseconds; memory_sum and gpu_util_sum over samples give the
-- means.
CREATE TABLE IF NOT EXISTS usage_rollups (
    step         INTEGER NOT NULL,
    bucket       INTEGER NOT NULL,
    execution_id TEXT NOT NULL,
    first_at     INTEGER NOT NULL,
    last_at      INTEGER NOT NULL,
    cpu_min      INTEGER NOT NULL,
    cpu_max      INTEGER NOT NULL,
    memory_sum   INTEGER NOT NULL,
    gpu_util_sum REAL NOT NULL,
    samples      INTEGER NOT NULL,
    PRIMARY KEY (step, bucket, execution_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS usage_rollups_execution ON usage_rollups(execution_id);
-- Samples taken before this migration: rolled up from the raw rows for
-- each step length of store.rollupSteps (1 minute, 15 minutes, 2 hours).
-- Running it again recomputes the same rows.
INSERT OR REPLACE INTO usage_rollups(step, bucket, execution_id, first_at, last_at, cpu_min, cpu_max, memory_sum, gpu_util_sum, samples)
    SELECT r.step, s.at / r.step, s.execution_id, MIN(s.at), MAX(s.at), MIN(s.cpu_millis), MAX(s.cpu_millis),
        SUM(s.memory), TOTAL(s.gpu_util), COUNT(*)
    FROM usage_samples s, (SELECT 60000000000 AS step UNION ALL SELECT 900000000000 UNION ALL SELECT 7200000000000) r
    WHERE s.at >= 0
    GROUP BY r.step, s.at / r.step, s.execution_id;
-- The provider page's utilisation window (store.ExecutionsBetween) and
-- its latest executions (store.ListExecutions) read executions by their
-- start: this index holds all the chart needs of one, its reservation
-- included, so neither query reads a spec or sorts every execution.
CREATE INDEX IF NOT EXISTS executions_span ON executions(created_at, updated_at, state, id,
    json_extract(spec, '$.resources.cpu'), json_extract(spec, '$.resources.memory'), json_extract(spec, '$.resources.gpus'));
