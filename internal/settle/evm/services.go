package evm

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/settle/evm/bindings"
)

// ErrNoServiceRegistry: the chain's config names no ServiceRegistry.
var ErrNoServiceRegistry = errors.New("the chain has no service registry")

// ServiceRecord is one provider's service as the ServiceRegistry
// contract holds it.
type ServiceRecord struct {
	// Provider is the address that registered it.
	Provider     identity.Address
	Name         string
	Kind         string
	Price        money.Amount
	UnitPrice    money.Amount
	MaxUnits     uint64
	Verification string
	// PeerID is the provider's libp2p peer ID, as it registered it.
	PeerID string
	// Block is the block of the registration (of the latest update).
	Block uint64
}

// maxServiceLogs bounds the registry logs one listing reads.
const maxServiceLogs = 100000

// HasServiceRegistry reports whether the config names a ServiceRegistry.
func (c *Client) HasServiceRegistry() bool { return c.cfg.ServiceRegistry != (common.Address{}) }

// RegisterService registers (or updates) r's service in the registry as
// this client's account (r.Provider is ignored).
func (c *Client) RegisterService(ctx context.Context, r ServiceRecord) (settle.TxResult, error) {
	if !c.HasServiceRegistry() {
		return settle.TxResult{}, ErrNoServiceRegistry
	}
	data, err := c.registry.TryPackRegister(r.Name, termsOf(r))
	if err != nil {
		return settle.TxResult{}, fmt.Errorf("register service: %w", err)
	}
	return c.registryTx(ctx, "register service "+r.Name, data)
}

// RemoveService removes this account's service name from the registry.
func (c *Client) RemoveService(ctx context.Context, name string) (settle.TxResult, error) {
	if !c.HasServiceRegistry() {
		return settle.TxResult{}, ErrNoServiceRegistry
	}
	return c.registryTx(ctx, "remove service "+name, c.registry.PackRemove(name))
}

func (c *Client) registryTx(ctx context.Context, what string, data []byte) (settle.TxResult, error) {
	r, err := c.send(ctx, what, c.cfg.ServiceRegistry, data)
	if err != nil {
		return settle.TxResult{}, err
	}
	return settle.TxResult{Tx: r.TxHash.Hex(), Block: r.BlockNumber.Uint64(), GasUsed: r.GasUsed}, nil
}

// RegisteredService reads provider's service name from the registry's
// state (false: not registered).
func (c *Client) RegisteredService(ctx context.Context, provider identity.Address, name string) (ServiceRecord, bool, error) {
	if !c.HasServiceRegistry() {
		return ServiceRecord{}, false, ErrNoServiceRegistry
	}
	to := c.cfg.ServiceRegistry
	msg := ethereum.CallMsg{From: c.from, To: &to, Data: c.registry.PackServiceOf(common.Address(provider), name)}
	var out []byte
	if err := c.retry(ctx, func() (err error) { out, err = c.eth.CallContract(ctx, msg, nil); return err }); err != nil {
		return ServiceRecord{}, false, fmt.Errorf("read service %s: %w", name, c.mapError(err))
	}
	s, err := c.registry.UnpackServiceOf(out)
	if err != nil {
		return ServiceRecord{}, false, fmt.Errorf("read service %s: %w", name, err)
	}
	if !s.Active {
		return ServiceRecord{}, false, nil
	}
	r, err := recordOf(provider, name, s.Terms)
	return r, err == nil, err
}

// ServiceRecords lists the services registered now, replayed from the
// registry's ServiceRegistered and ServiceRemoved logs from block from
// on, sorted by name then provider.
func (c *Client) ServiceRecords(ctx context.Context, from uint64) ([]ServiceRecord, error) {
	evs, err := c.serviceEvents(ctx, from, nil)
	if err != nil {
		return nil, err
	}
	live := map[ServiceKey]ServiceRecord{}
	ApplyServiceEvents(live, evs)
	return SortedServices(live), nil
}

// ServiceEvent is one of the registry's logs: a registration (or an
// update of one), or a removal (Removed; Record then holds only the
// provider and the name).
type ServiceEvent struct {
	Record  ServiceRecord
	Removed bool
}

// ServiceKey names one registration: the provider's address and the
// service's name.
type ServiceKey struct {
	Provider identity.Address
	Name     string
}

// ServiceEvents lists the registry's logs of blocks from to to (both
// included) in chain order, so that a reader can keep the registrations
// and read only new blocks the next time (ApplyServiceEvents).
func (c *Client) ServiceEvents(ctx context.Context, from, to uint64) ([]ServiceEvent, error) {
	return c.serviceEvents(ctx, from, new(big.Int).SetUint64(to))
}

// ApplyServiceEvents replays evs, in order, onto live.
func ApplyServiceEvents(live map[ServiceKey]ServiceRecord, evs []ServiceEvent) {
	for _, ev := range evs {
		k := ServiceKey{ev.Record.Provider, ev.Record.Name}
		if ev.Removed {
			delete(live, k)
		} else {
			live[k] = ev.Record
		}
	}
}

// SortedServices lists live's registrations sorted by name then provider.
func SortedServices(live map[ServiceKey]ServiceRecord) []ServiceRecord {
	out := make([]ServiceRecord, 0, len(live))
	for _, r := range live {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b ServiceRecord) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Provider.String(), b.Provider.String()))
	})
	return out
}

// serviceEvents reads the registry's logs from block from to block to
// (nil: the latest).
func (c *Client) serviceEvents(ctx context.Context, from uint64, to *big.Int) ([]ServiceEvent, error) {
	if !c.HasServiceRegistry() {
		return nil, ErrNoServiceRegistry
	}
	lf, ok := c.eth.(ethereum.LogFilterer)
	if !ok {
		return nil, fmt.Errorf("services: the chain connection cannot filter logs")
	}
	q := ethereum.FilterQuery{FromBlock: new(big.Int).SetUint64(from), ToBlock: to, Addresses: []common.Address{c.cfg.ServiceRegistry}}
	var logs []types.Log
	if err := c.retry(ctx, func() (err error) { logs, err = lf.FilterLogs(ctx, q); return err }); err != nil {
		return nil, fmt.Errorf("services: %w", c.mapError(err))
	}
	if len(logs) > maxServiceLogs {
		return nil, fmt.Errorf("services: more than %d registry logs from block %d", maxServiceLogs, from)
	}
	slices.SortStableFunc(logs, func(a, b types.Log) int {
		return cmp.Or(cmp.Compare(a.BlockNumber, b.BlockNumber), cmp.Compare(a.Index, b.Index))
	})
	regID, remID := c.registry.GetABI().Events["ServiceRegistered"].ID, c.registry.GetABI().Events["ServiceRemoved"].ID
	var out []ServiceEvent
	for i := range logs {
		l := &logs[i]
		if len(l.Topics) == 0 || l.Removed {
			continue
		}
		switch l.Topics[0] {
		case regID:
			ev, err := c.registry.UnpackServiceRegisteredEvent(l)
			if err != nil {
				return nil, fmt.Errorf("services: block %d: %w", l.BlockNumber, err)
			}
			r, err := recordOf(identity.Address(ev.Provider), ev.Name, ev.Terms)
			if err != nil {
				// Terms deco cannot carry (a price over its range): not
				// listed, and an earlier registration of the name is gone.
				out = append(out, ServiceEvent{Record: ServiceRecord{Provider: identity.Address(ev.Provider), Name: ev.Name, Block: l.BlockNumber}, Removed: true})
				continue
			}
			r.Block = l.BlockNumber
			out = append(out, ServiceEvent{Record: r})
		case remID:
			ev, err := c.registry.UnpackServiceRemovedEvent(l)
			if err != nil {
				return nil, fmt.Errorf("services: block %d: %w", l.BlockNumber, err)
			}
			out = append(out, ServiceEvent{Record: ServiceRecord{Provider: identity.Address(ev.Provider), Name: ev.Name, Block: l.BlockNumber}, Removed: true})
		}
	}
	return out, nil
}

func termsOf(r ServiceRecord) bindings.ServiceRegistryTerms {
	return bindings.ServiceRegistryTerms{Kind: r.Kind, Price: settle.ToTokenUnits(r.Price), UnitPrice: settle.ToTokenUnits(r.UnitPrice),
		MaxUnits: r.MaxUnits, Verification: r.Verification, PeerId: r.PeerID}
}

func recordOf(provider identity.Address, name string, t bindings.ServiceRegistryTerms) (ServiceRecord, error) {
	price, err := settle.FromTokenUnits(t.Price)
	if err != nil {
		return ServiceRecord{}, err
	}
	unit, err := settle.FromTokenUnits(t.UnitPrice)
	if err != nil {
		return ServiceRecord{}, err
	}
	return ServiceRecord{Provider: provider, Name: name, Kind: t.Kind, Price: price, UnitPrice: unit, MaxUnits: t.MaxUnits,
		Verification: t.Verification, PeerID: t.PeerId}, nil
}
