package node

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path/filepath"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/settle/evm"
)

// SettlementFile is the file in a node's data directory that says which
// chain and contracts the node settles on (`deco chain serve` writes one).
const SettlementFile = "chain.json"

// openSettlement connects key's account to the chain configured in
// dataDir/chain.json. It returns settle.ErrNoSettlement (wrapped) when there
// is no such file.
// The caller closes the returned client; one client per key should be shared
// by everything that sends transactions (it owns the account's nonces).
func openSettlement(ctx context.Context, dataDir string, key *identity.Key, logger *slog.Logger) (*evm.Client, error) {
	cfg, err := evm.LoadConfig(filepath.Join(dataDir, SettlementFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w (no %s in %s)", settle.ErrNoSettlement, SettlementFile, dataDir)
	}
	if err != nil {
		return nil, err
	}
	c, err := evm.Dial(ctx, cfg, key, logger)
	if err != nil {
		return nil, fmt.Errorf("settlement: %w", err)
	}
	return c, nil
}
