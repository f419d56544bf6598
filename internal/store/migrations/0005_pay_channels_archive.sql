-- Channels of an escrow the node no longer settles on (a restarted dev
-- chain, a new contract): kept, with their latest voucher, out of the way
-- of the new escrow's channels, which start from zero.
CREATE TABLE pay_channels_archive (
    escrow      TEXT NOT NULL,
    role        TEXT NOT NULL,
    requester   TEXT NOT NULL,
    provider    TEXT NOT NULL,
    cumulative  INTEGER NOT NULL,
    signature   BLOB,
    redeemed    INTEGER NOT NULL,
    written_off INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    archived_at INTEGER NOT NULL
);
-- Usage reports of archived channels no longer count towards a channel's
-- total: archived_escrow names the escrow they were paid on.
ALTER TABLE usage_reports ADD COLUMN archived_escrow TEXT NOT NULL DEFAULT '';
