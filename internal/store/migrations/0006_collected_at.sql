-- When a provider deleted an execution's result after the retention period
-- (0: not collected). It was a note in the error text before.
ALTER TABLE executions ADD COLUMN collected_at INTEGER NOT NULL DEFAULT 0;
UPDATE executions SET collected_at = updated_at WHERE error LIKE '%result collected after retention%';
CREATE INDEX executions_collectable ON executions(collected_at, updated_at);
