-- Reputation attestations this node made or took from gossip, each as its
-- signed JSON body (the store does not read it). One attester's statement
-- of one kind about one execution of one subject is kept once; id is the
-- hex of the signed digest. (IF NOT EXISTS: tests rewind the schema past
-- 0009 without dropping it.)
CREATE TABLE IF NOT EXISTS attestations (
	id TEXT PRIMARY KEY,
	subject TEXT NOT NULL,
	attester TEXT NOT NULL,
	kind TEXT NOT NULL,
	execution_id TEXT NOT NULL,
	issued_at INTEGER NOT NULL,
	received_at INTEGER NOT NULL,
	body TEXT NOT NULL,
	UNIQUE(attester, subject, execution_id, kind)
);
CREATE INDEX IF NOT EXISTS attestations_subject ON attestations(subject, received_at);
CREATE INDEX IF NOT EXISTS attestations_received ON attestations(received_at);
