package evm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// configJSON is Config on disk, with the poll interval as a duration string ("50ms").
type configJSON struct {
	RPCURL        string `json:"rpcURL"`
	ChainID       uint64 `json:"chainID"`
	Escrow        string `json:"escrow"`
	Token         string `json:"token"`
	Registry      string `json:"serviceRegistry,omitempty"`
	Confirmations int    `json:"confirmations,omitempty"`
	PollInterval  string `json:"pollInterval,omitempty"`
	Retries       int    `json:"retries,omitempty"`
}

// MarshalJSON writes the config with addresses as hex and the poll interval
// as a duration string.
func (c Config) MarshalJSON() ([]byte, error) {
	j := configJSON{
		RPCURL: c.RPCURL, ChainID: c.ChainID, Escrow: c.Escrow.Hex(), Token: c.Token.Hex(),
		Confirmations: c.Confirmations, Retries: c.Retries,
	}
	if c.PollInterval > 0 {
		j.PollInterval = c.PollInterval.String()
	}
	if c.ServiceRegistry != (common.Address{}) {
		j.Registry = c.ServiceRegistry.Hex()
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads a config strictly: unknown fields and malformed
// addresses or durations are errors.
func (c *Config) UnmarshalJSON(b []byte) error {
	var j configJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return err
	}
	out := Config{RPCURL: j.RPCURL, ChainID: j.ChainID, Confirmations: j.Confirmations, Retries: j.Retries}
	if err := out.Escrow.UnmarshalText([]byte(j.Escrow)); err != nil {
		return fmt.Errorf("escrow: %w", err)
	}
	if err := out.Token.UnmarshalText([]byte(j.Token)); err != nil {
		return fmt.Errorf("token: %w", err)
	}
	if j.Registry != "" {
		if err := out.ServiceRegistry.UnmarshalText([]byte(j.Registry)); err != nil {
			return fmt.Errorf("serviceRegistry: %w", err)
		}
	}
	if j.PollInterval != "" {
		d, err := time.ParseDuration(j.PollInterval)
		if err != nil {
			return fmt.Errorf("pollInterval: %w", err)
		}
		out.PollInterval = d
	}
	*c = out
	return nil
}

// LoadConfig reads a settlement config file (the chain.json `deco chain
// serve` writes) and checks it is complete.
func LoadConfig(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("settlement config: %w", err)
	}
	var c Config
	if err := json.Unmarshal(b, &c); err != nil {
		return Config{}, fmt.Errorf("settlement config %s: %w", path, err)
	}
	if err := c.validate(); err != nil {
		return Config{}, fmt.Errorf("settlement config %s: %w", path, err)
	}
	return c, nil
}
