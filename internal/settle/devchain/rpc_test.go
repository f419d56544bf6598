package devchain_test

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/params"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/settle/devchain"
	"github.com/deco-network/deco/internal/settle/evm/bindings"
)

// TestRPC drives the JSON-RPC surface through go-ethereum's own client, the
// way wallets and deco's settlement client see the chain: transfers mined
// at once with receipts, blocks and transactions as geth shows them,
// refusals with geth's reasons, reverts with their data.
func TestRPC(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	from := crypto.PubkeyToAddress(key.PublicKey)
	chain, err := devchain.Start(ctx, devchain.Config{Fund: []identity.Address{identity.Address(from)}})
	if err != nil {
		t.Fatal(err)
	}
	defer chain.Close()
	info := chain.Info()
	ec, err := ethclient.DialContext(ctx, info.RPCURL)
	if err != nil {
		t.Fatal(err)
	}
	defer ec.Close()
	chainID := new(big.Int).SetUint64(info.ChainID)
	signer := types.LatestSignerForChainID(chainID)

	to := common.Address{0x42}
	head, err := ec.HeaderByNumber(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	nonce, err := ec.PendingNonceAt(ctx, from)
	if err != nil {
		t.Fatal(err)
	}
	tip, err := ec.SuggestGasTipCap(ctx)
	if err != nil || tip.Sign() <= 0 {
		t.Fatalf("tip = %v, %v", tip, err)
	}
	transfer := func(nonce uint64, signer types.Signer, chainID *big.Int, value int64) *types.Transaction {
		tx, err := types.SignNewTx(key, signer, &types.DynamicFeeTx{
			ChainID: chainID, Nonce: nonce, GasTipCap: tip,
			GasFeeCap: new(big.Int).Add(tip, new(big.Int).Mul(head.BaseFee, big.NewInt(2))),
			Gas:       params.TxGas, To: &to, Value: big.NewInt(value),
		})
		if err != nil {
			t.Fatal(err)
		}
		return tx
	}
	tx := transfer(nonce, signer, chainID, 12345)
	if err := ec.SendTransaction(ctx, tx); err != nil {
		t.Fatal(err)
	}
	// Mined before SendTransaction returned.
	r, err := ec.TransactionReceipt(ctx, tx.Hash())
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != types.ReceiptStatusSuccessful || r.GasUsed != params.TxGas || r.BlockNumber.Uint64() != head.Number.Uint64()+1 {
		t.Fatalf("receipt = %+v", r)
	}
	if bal, err := ec.BalanceAt(ctx, to, nil); err != nil || bal.Int64() != 12345 {
		t.Fatalf("recipient balance = %v, %v", bal, err)
	}
	got, pending, err := ec.TransactionByHash(ctx, tx.Hash())
	if err != nil || pending || got.Hash() != tx.Hash() {
		t.Fatalf("TransactionByHash = %v, %v, %v", got, pending, err)
	}
	if sender, err := types.Sender(signer, got); err != nil || sender != from {
		t.Fatalf("sender = %s, %v", sender, err)
	}
	block, err := ec.BlockByNumber(ctx, r.BlockNumber)
	if err != nil {
		t.Fatal(err)
	}
	if block.Hash() != r.BlockHash || len(block.Transactions()) != 1 || block.Transactions()[0].Hash() != tx.Hash() ||
		block.ParentHash() != head.Hash() || block.Root() == head.Root {
		t.Fatalf("block %d: hash %s (receipt says %s), %d txs", block.NumberU64(), block.Hash(), r.BlockHash, len(block.Transactions()))
	}
	if n, err := ec.BlockNumber(ctx); err != nil || n != block.NumberU64() {
		t.Fatalf("block number = %d, %v; want %d", n, err, block.NumberU64())
	}
	// History stays readable.
	if bal, err := ec.BalanceAt(ctx, to, head.Number); err != nil || bal.Sign() != 0 {
		t.Fatalf("recipient balance before the transfer = %v, %v", bal, err)
	}

	for _, c := range []struct {
		name string
		tx   *types.Transaction
		want string
	}{
		{"replayed", tx, "already known"},
		{"nonce reused", transfer(nonce, signer, chainID, 1), "nonce too low"},
		{"nonce gap", transfer(nonce+5, signer, chainID, 1), "nonce too high"},
		{"other chain", transfer(nonce+1, types.LatestSignerForChainID(big.NewInt(1)), big.NewInt(1), 1), "invalid chain id"},
	} {
		if err := ec.SendTransaction(ctx, c.tx); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: send error = %v, want %q", c.name, err, c.want)
		}
	}
	if n, err := ec.BlockNumber(ctx); err != nil || n != block.NumberU64() {
		t.Fatalf("refused transactions made blocks: number %d, %v", n, err)
	}

	// Logs: the funding minted tokens to from, a Transfer from the zero address.
	transferSig := crypto.Keccak256Hash([]byte("Transfer(address,address,uint256)"))
	logs, err := ec.FilterLogs(ctx, ethereum.FilterQuery{Addresses: []common.Address{common.Address(info.Token)},
		Topics: [][]common.Hash{{transferSig}, {common.Hash{}}, {common.BytesToHash(from[:])}}})
	if err != nil || len(logs) != 1 || logs[0].BlockHash == (common.Hash{}) || logs[0].TxHash == (common.Hash{}) {
		t.Fatalf("mint logs to %s: %+v, %v", from, logs, err)
	}
	// The same filter in the other standard forms wallets and ethers send:
	// a bare hash for a position, null for any.
	fromTopic := common.BytesToHash(from[:])
	for _, topics := range []string{
		fmt.Sprintf(`[%q]`, transferSig.Hex()),
		fmt.Sprintf(`[%q, null, %q]`, transferSig.Hex(), fromTopic.Hex()),
		fmt.Sprintf(`[[%q, %q], [%q], [%q]]`, transferSig.Hex(), common.Hash{7}.Hex(), common.Hash{}.Hex(), fromTopic.Hex()),
	} {
		var got []types.Log
		filter := fmt.Sprintf(`{"fromBlock": "earliest", "address": %q, "topics": %s}`, common.Address(info.Token).Hex(), topics)
		if err := ec.Client().CallContext(ctx, &got, "eth_getLogs", json.RawMessage(filter)); err != nil {
			t.Fatalf("eth_getLogs topics %s: %v", topics, err)
		}
		var mints int
		for _, lg := range got {
			if len(lg.Topics) == 3 && lg.Topics[2] == fromTopic {
				mints++
			}
			if lg.Topics[0] != transferSig {
				t.Fatalf("topics %s matched a log with topic0 %s", topics, lg.Topics[0])
			}
		}
		if mints != 1 {
			t.Fatalf("topics %s: %d logs, %d of them the mint to %s", topics, len(got), mints, from)
		}
	}
	// Storage slots as quantities ("0x2", as ethers sends them) and as
	// full hashes (as go-ethereum does) read the same; the token's first
	// slots hold something.
	nonzero := 0
	for i := range 8 {
		var short hexutil.Bytes
		if err := ec.Client().CallContext(ctx, &short, "eth_getStorageAt", common.Address(info.Token), hexutil.EncodeUint64(uint64(i)), "latest"); err != nil {
			t.Fatalf("eth_getStorageAt slot %d as a quantity: %v", i, err)
		}
		full, err := ec.StorageAt(ctx, common.Address(info.Token), common.BigToHash(big.NewInt(int64(i))), nil)
		if err != nil || string(full) != string(short) || len(full) != 32 {
			t.Fatalf("slot %d: %x as a quantity, %x (%v) as a hash", i, short, full, err)
		}
		if common.BytesToHash(full) != (common.Hash{}) {
			nonzero++
		}
	}
	if nonzero == 0 {
		t.Fatal("the token's slots 0-7 all read zero")
	}
	for _, slot := range []string{"0xzz", "12", "0x" + strings.Repeat("1", 65)} {
		var v hexutil.Bytes
		if err := ec.Client().CallContext(ctx, &v, "eth_getStorageAt", common.Address(info.Token), slot, "latest"); err == nil {
			t.Errorf("eth_getStorageAt slot %q succeeded", slot)
		}
	}
	var bad []types.Log
	if err := ec.Client().CallContext(ctx, &bad, "eth_getLogs", json.RawMessage(`{"topics": [42]}`)); err == nil {
		t.Fatal("eth_getLogs with a number for a topic succeeded")
	}
	if none, err := ec.FilterLogs(ctx, ethereum.FilterQuery{Addresses: []common.Address{to}}); err != nil || len(none) != 0 {
		t.Fatalf("logs of an address that logged nothing: %+v, %v", none, err)
	}
	fh, err := ec.FeeHistory(ctx, 2, nil, []float64{50})
	if err != nil || len(fh.BaseFee) != 3 || len(fh.GasUsedRatio) != 2 || len(fh.Reward) != 2 {
		t.Fatalf("fee history = %+v, %v", fh, err)
	}

	if _, err := ec.TransactionReceipt(ctx, common.Hash{1}); !errors.Is(err, ethereum.NotFound) {
		t.Fatalf("receipt of an unknown transaction: %v", err)
	}

	// A revert carries its data: a transfer from an account with no tokens
	// reverts with InsufficientBalance(0, 1).
	token := bindings.NewDecoToken()
	tokenAddr := common.Address(info.Token)
	msg := ethereum.CallMsg{From: common.Address{0x99}, To: &tokenAddr, Data: token.PackTransfer(to, big.NewInt(1))}
	for name, call := range map[string]func() error{
		"call":     func() error { _, err := ec.CallContract(ctx, msg, nil); return err },
		"estimate": func() error { _, err := ec.EstimateGas(ctx, msg); return err },
	} {
		err := call()
		var de rpc.DataError
		if !errors.As(err, &de) {
			t.Fatalf("%s: error %v carries no data", name, err)
		}
		data, _ := de.ErrorData().(string)
		raw, derr := hexutil.Decode(data)
		if derr != nil {
			t.Fatalf("%s: revert data %q: %v", name, data, derr)
		}
		decoded, uerr := token.UnpackError(raw)
		if uerr != nil {
			t.Fatalf("%s: revert data %x: %v", name, raw, uerr)
		}
		if ib, ok := decoded.(*bindings.DecoTokenInsufficientBalance); !ok || ib.Needed.Int64() != 1 || ib.Balance.Sign() != 0 {
			t.Fatalf("%s: reverted with %#v", name, decoded)
		}
	}
}

// TestRPCRefusesForeignHosts: a page served from another name cannot reach
// the unauthenticated endpoint through DNS rebinding.
func TestRPCRefusesForeignHosts(t *testing.T) {
	chain, err := devchain.Start(context.Background(), devchain.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer chain.Close()
	body := `{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}`
	for host, want := range map[string]int{"evil.example": http.StatusForbidden, "localhost": http.StatusOK, "": http.StatusOK} {
		req, err := http.NewRequest(http.MethodPost, chain.Info().RPCURL, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		if host != "" {
			req.Host = host
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("Host %q: status %d, want %d", host, res.StatusCode, want)
		}
	}
}

// TestConcurrentSendersAndCalls: senders mining at once while others read
// state; every transfer lands exactly once (go test -race covers this).
func TestConcurrentSendersAndCalls(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const senders, each = 4, 10
	keys := make([]*ecdsa.PrivateKey, senders)
	fund := make([]identity.Address, senders)
	for i := range keys {
		k, err := crypto.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		keys[i], fund[i] = k, identity.Address(crypto.PubkeyToAddress(k.PublicKey))
	}
	chain, err := devchain.Start(ctx, devchain.Config{Fund: fund})
	if err != nil {
		t.Fatal(err)
	}
	defer chain.Close()
	ec, err := ethclient.DialContext(ctx, chain.Info().RPCURL)
	if err != nil {
		t.Fatal(err)
	}
	defer ec.Close()
	chainID := new(big.Int).SetUint64(chain.Info().ChainID)
	sink := common.Address{0x5e}
	errs := make(chan error, senders)
	readerErr := make(chan error, 1)
	stop := make(chan struct{})
	go func() { // a reader throughout
		for {
			select {
			case <-stop:
				readerErr <- nil
				return
			default:
			}
			if _, err := ec.BalanceAt(ctx, sink, nil); err != nil {
				readerErr <- err
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for _, k := range keys {
		wg.Add(1)
		go func(k *ecdsa.PrivateKey) {
			defer wg.Done()
			head, err := ec.HeaderByNumber(ctx, nil)
			if err != nil {
				errs <- err
				return
			}
			for n := range uint64(each) {
				tx, err := types.SignNewTx(k, types.LatestSignerForChainID(chainID), &types.DynamicFeeTx{
					ChainID: chainID, Nonce: n, GasTipCap: big.NewInt(params.GWei),
					GasFeeCap: new(big.Int).Add(big.NewInt(params.GWei), new(big.Int).Mul(head.BaseFee, big.NewInt(2))),
					Gas:       params.TxGas, To: &sink, Value: big.NewInt(1),
				})
				if err == nil {
					err = ec.SendTransaction(ctx, tx)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}(k)
	}
	wg.Wait()
	close(stop)
	if err := <-readerErr; err != nil {
		t.Fatal(err)
	}
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if bal, err := ec.BalanceAt(ctx, sink, nil); err != nil || bal.Int64() != senders*each {
		t.Fatalf("sink balance = %v, %v; want %d", bal, err, senders*each)
	}
}
