package devchain_test

import (
	"context"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/ethclient/gethclient"
	"github.com/ethereum/go-ethereum/ethdb/memorydb"
	"github.com/ethereum/go-ethereum/params"
	"github.com/ethereum/go-ethereum/rlp"
	"github.com/ethereum/go-ethereum/rpc"
	"github.com/ethereum/go-ethereum/trie"

	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/settle/devchain"
	"github.com/deco-network/deco/internal/settle/evm/bindings"
)

// TestEthclientConformance walks go-ethereum's ethclient (and gethclient)
// through what a wallet or tool does against the dev chain: every method it
// exposes that one uses answers as geth does, or with a standard error.
func TestEthclientConformance(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	me := crypto.PubkeyToAddress(key.PublicKey)
	chain, err := devchain.Start(ctx, devchain.Config{Fund: []identity.Address{identity.Address(me)}})
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

	// Network.
	chainID, err := ec.ChainID(ctx)
	if err != nil || chainID.Uint64() != info.ChainID {
		t.Fatalf("ChainID = %v, %v", chainID, err)
	}
	if id, err := ec.NetworkID(ctx); err != nil || id.Uint64() != info.ChainID {
		t.Fatalf("NetworkID = %v, %v", id, err)
	}
	if p, err := ec.SyncProgress(ctx); err != nil || p != nil {
		t.Fatalf("SyncProgress = %+v, %v; want nil (not syncing)", p, err)
	}
	if n, err := ec.PeerCount(ctx); err != nil || n != 0 {
		t.Fatalf("PeerCount = %d, %v", n, err)
	}

	// Balances and nonces, now and in history.
	funded, err := ec.BalanceAt(ctx, me, nil)
	if err != nil || funded.Cmp(devchain.DefaultFundGas) != 0 {
		t.Fatalf("BalanceAt = %v, %v", funded, err)
	}
	if b, err := ec.BalanceAt(ctx, me, big.NewInt(0)); err != nil || b.Sign() != 0 {
		t.Fatalf("BalanceAt genesis = %v, %v", b, err)
	}
	if b, err := ec.PendingBalanceAt(ctx, me); err != nil || b.Cmp(funded) != 0 {
		t.Fatalf("PendingBalanceAt = %v, %v", b, err)
	}
	nonce, err := ec.PendingNonceAt(ctx, me)
	if err != nil || nonce != 0 {
		t.Fatalf("PendingNonceAt = %d, %v", nonce, err)
	}
	if n, err := ec.NonceAt(ctx, me, nil); err != nil || n != 0 {
		t.Fatalf("NonceAt = %d, %v", n, err)
	}

	// Fees.
	head, err := ec.HeaderByNumber(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	gasPrice, err := ec.SuggestGasPrice(ctx)
	if err != nil || gasPrice.Cmp(head.BaseFee) <= 0 {
		t.Fatalf("SuggestGasPrice = %v, %v (base fee %v)", gasPrice, err, head.BaseFee)
	}
	tip, err := ec.SuggestGasTipCap(ctx)
	if err != nil || tip.Sign() <= 0 {
		t.Fatalf("SuggestGasTipCap = %v, %v", tip, err)
	}
	fh, err := ec.FeeHistory(ctx, 3, nil, []float64{10, 90})
	if err != nil || len(fh.BaseFee) != 4 || len(fh.Reward) != 3 || len(fh.Reward[0]) != 2 ||
		fh.OldestBlock.Uint64() != head.Number.Uint64()-2 || fh.BaseFee[2].Cmp(head.BaseFee) != 0 {
		t.Fatalf("FeeHistory = %+v, %v", fh, err)
	}

	signer := types.LatestSignerForChainID(chainID)
	feeCap := new(big.Int).Add(tip, new(big.Int).Mul(head.BaseFee, big.NewInt(2)))
	send := func(to *common.Address, data []byte, value *big.Int) *types.Receipt {
		t.Helper()
		n, err := ec.PendingNonceAt(ctx, me)
		if err != nil {
			t.Fatal(err)
		}
		gas, err := ec.EstimateGas(ctx, ethereum.CallMsg{From: me, To: to, Data: data, Value: value})
		if err != nil {
			t.Fatalf("EstimateGas: %v", err)
		}
		tx, err := types.SignNewTx(key, signer, &types.DynamicFeeTx{
			ChainID: chainID, Nonce: n, GasTipCap: tip, GasFeeCap: feeCap, Gas: gas, To: to, Value: value, Data: data,
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := ec.SendTransaction(ctx, tx); err != nil {
			t.Fatalf("SendTransaction nonce %d: %v", n, err)
		}
		r, err := ec.TransactionReceipt(ctx, tx.Hash())
		if err != nil || r.Status != types.ReceiptStatusSuccessful {
			t.Fatalf("TransactionReceipt = %+v, %v", r, err)
		}
		return r
	}

	// A transfer, then a deployment and at once a call from the same account.
	to := common.Address{0x42}
	if gas, err := ec.EstimateGas(ctx, ethereum.CallMsg{From: me, To: &to, Value: big.NewInt(1)}); err != nil || gas != params.TxGas {
		t.Fatalf("EstimateGas of a transfer = %d, %v", gas, err)
	}
	transfer := send(&to, nil, big.NewInt(777))
	if transfer.ContractAddress != (common.Address{}) {
		t.Fatalf("a transfer's receipt has contract address %s", transfer.ContractAddress)
	}
	tokenABI := bindings.NewDecoToken()
	deployed := send(nil, append(common.FromHex(bindings.DecoTokenMetaData.Bin), tokenABI.PackConstructor(true)...), nil)
	tokenAddr := deployed.ContractAddress
	if tokenAddr == (common.Address{}) {
		t.Fatal("deployment receipt has no contract address")
	}
	minted := big.NewInt(1e18)
	faucet := send(&tokenAddr, tokenABI.PackFaucet(minted), nil)
	if len(faucet.Logs) != 1 || faucet.Logs[0].Address != tokenAddr {
		t.Fatalf("faucet logs = %+v", faucet.Logs)
	}
	if n, err := ec.NonceAt(ctx, me, nil); err != nil || n != 3 {
		t.Fatalf("NonceAt after three sends = %d, %v", n, err)
	}
	if n, err := ec.NonceAt(ctx, me, deployed.BlockNumber); err != nil || n != 2 {
		t.Fatalf("NonceAt the deployment block = %d, %v", n, err)
	}

	// Transactions and blocks.
	tx, pending, err := ec.TransactionByHash(ctx, transfer.TxHash)
	if err != nil || pending || tx.Value().Int64() != 777 || *tx.To() != to {
		t.Fatalf("TransactionByHash = %v, %v, %v", tx, pending, err)
	}
	if _, _, err := ec.TransactionByHash(ctx, common.Hash{1}); !errors.Is(err, ethereum.NotFound) {
		t.Fatalf("TransactionByHash of an unknown hash: %v", err)
	}
	latest, err := ec.BlockByNumber(ctx, nil)
	if err != nil || latest.NumberU64() != faucet.BlockNumber.Uint64() || latest.Hash() != faucet.BlockHash {
		t.Fatalf("BlockByNumber(nil) = %v, %v", latest, err)
	}
	block, err := ec.BlockByNumber(ctx, transfer.BlockNumber)
	if err != nil || block.Hash() != transfer.BlockHash || len(block.Transactions()) != 1 || block.Transactions()[0].Hash() != transfer.TxHash {
		t.Fatalf("BlockByNumber(%v) = %v, %v", transfer.BlockNumber, block, err)
	}
	if b, err := ec.BlockByHash(ctx, transfer.BlockHash); err != nil || b.NumberU64() != transfer.BlockNumber.Uint64() {
		t.Fatalf("BlockByHash = %v, %v", b, err)
	}
	if _, err := ec.BlockByHash(ctx, common.Hash{1}); !errors.Is(err, ethereum.NotFound) {
		t.Fatalf("BlockByHash of an unknown hash: %v", err)
	}
	if _, err := ec.BlockByNumber(ctx, big.NewInt(1e6)); !errors.Is(err, ethereum.NotFound) {
		t.Fatalf("BlockByNumber beyond the head: %v", err)
	}
	for _, tag := range []int64{int64(rpc.SafeBlockNumber), int64(rpc.FinalizedBlockNumber), int64(rpc.PendingBlockNumber)} {
		if h, err := ec.HeaderByNumber(ctx, big.NewInt(tag)); err != nil || h.Number.Uint64() != latest.NumberU64() {
			t.Fatalf("HeaderByNumber(%s) = %v, %v", rpc.BlockNumber(tag), h, err)
		}
	}
	if h, err := ec.HeaderByHash(ctx, transfer.BlockHash); err != nil || h.Number.Cmp(transfer.BlockNumber) != 0 {
		t.Fatalf("HeaderByHash = %v, %v", h, err)
	}
	if n, err := ec.TransactionCount(ctx, transfer.BlockHash); err != nil || n != 1 {
		t.Fatalf("TransactionCount = %d, %v", n, err)
	}
	if got, err := ec.TransactionInBlock(ctx, transfer.BlockHash, 0); err != nil || got.Hash() != transfer.TxHash {
		t.Fatalf("TransactionInBlock = %v, %v", got, err)
	}
	if from, err := ec.TransactionSender(ctx, tx, transfer.BlockHash, 0); err != nil || from != me {
		t.Fatalf("TransactionSender = %s, %v", from, err)
	}
	if rs, err := ec.BlockReceipts(ctx, rpc.BlockNumberOrHashWithHash(faucet.BlockHash, false)); err != nil ||
		len(rs) != 1 || rs[0].TxHash != faucet.TxHash || len(rs[0].Logs) != 1 {
		t.Fatalf("BlockReceipts = %+v, %v", rs, err)
	}
	if n, err := ec.PendingTransactionCount(ctx); err != nil || n != 0 {
		t.Fatalf("PendingTransactionCount = %d, %v (transactions are mined as they arrive)", n, err)
	}

	// Logs in every FilterQuery form.
	transferSig := crypto.Keccak256Hash([]byte("Transfer(address,address,uint256)"))
	meTopic := common.BytesToHash(me[:])
	for _, c := range []struct {
		name string
		q    ethereum.FilterQuery
		want int
	}{
		{"address, whole chain", ethereum.FilterQuery{FromBlock: big.NewInt(0), Addresses: []common.Address{tokenAddr}}, 2},
		{"no FromBlock (ethclient sends genesis)", ethereum.FilterQuery{Addresses: []common.Address{tokenAddr}}, 2},
		{"the head", ethereum.FilterQuery{FromBlock: big.NewInt(int64(rpc.LatestBlockNumber)), Addresses: []common.Address{tokenAddr}}, 1},
		{"block hash", ethereum.FilterQuery{BlockHash: &faucet.BlockHash}, 1},
		{"range", ethereum.FilterQuery{FromBlock: deployed.BlockNumber, ToBlock: deployed.BlockNumber}, 1},
		{"two addresses, topic and null", ethereum.FilterQuery{FromBlock: big.NewInt(0),
			Addresses: []common.Address{tokenAddr, common.Address(info.Token)}, Topics: [][]common.Hash{{transferSig}, {}, {meTopic}}}, 2},
		{"topics or", ethereum.FilterQuery{FromBlock: big.NewInt(0), Addresses: []common.Address{tokenAddr},
			Topics: [][]common.Hash{{transferSig, crypto.Keccak256Hash([]byte("OwnershipTransferred(address,address)"))}}}, 2},
		{"to finalized", ethereum.FilterQuery{FromBlock: big.NewInt(0), ToBlock: big.NewInt(int64(rpc.FinalizedBlockNumber)), Addresses: []common.Address{tokenAddr}}, 2},
		{"nothing matches", ethereum.FilterQuery{FromBlock: big.NewInt(0), Addresses: []common.Address{to}}, 0},
	} {
		logs, err := ec.FilterLogs(ctx, c.q)
		if err != nil || len(logs) != c.want {
			t.Errorf("FilterLogs %s = %d logs, %v; want %d", c.name, len(logs), err, c.want)
		}
	}
	if _, err := ec.FilterLogs(ctx, ethereum.FilterQuery{BlockHash: &faucet.BlockHash, FromBlock: big.NewInt(0)}); err == nil {
		t.Error("FilterLogs with a block hash and a range succeeded")
	}
	if _, err := ec.SubscribeFilterLogs(ctx, ethereum.FilterQuery{}, make(chan types.Log)); !errors.Is(err, rpc.ErrNotificationsUnsupported) {
		t.Errorf("SubscribeFilterLogs over HTTP: %v, want %v", err, rpc.ErrNotificationsUnsupported)
	}

	// Calls, state and code.
	balanceOf := tokenABI.PackBalanceOf(me)
	out, err := ec.CallContract(ctx, ethereum.CallMsg{To: &tokenAddr, Data: balanceOf}, nil)
	if err != nil || new(big.Int).SetBytes(out).Cmp(minted) != 0 {
		t.Fatalf("CallContract balanceOf = %x, %v", out, err)
	}
	if out, err := ec.CallContract(ctx, ethereum.CallMsg{To: &tokenAddr, Data: balanceOf}, deployed.BlockNumber); err != nil || new(big.Int).SetBytes(out).Sign() != 0 {
		t.Fatalf("CallContract at the deployment block = %x, %v", out, err)
	}
	if out, err := ec.CallContractAtHash(ctx, ethereum.CallMsg{To: &tokenAddr, Data: balanceOf}, faucet.BlockHash); err != nil || new(big.Int).SetBytes(out).Cmp(minted) != 0 {
		t.Fatalf("CallContractAtHash = %x, %v", out, err)
	}
	if out, err := ec.PendingCallContract(ctx, ethereum.CallMsg{To: &tokenAddr, Data: balanceOf}); err != nil || new(big.Int).SetBytes(out).Cmp(minted) != 0 {
		t.Fatalf("PendingCallContract = %x, %v", out, err)
	}
	_, err = ec.CallContract(ctx, ethereum.CallMsg{From: me, To: &tokenAddr, Data: tokenABI.PackFaucet(new(big.Int).Lsh(minted, 20))}, nil)
	var de rpc.DataError
	if !errors.As(err, &de) {
		t.Fatalf("reverting CallContract: %v carries no data", err)
	}
	raw, err := hexutil.Decode(de.ErrorData().(string))
	if err != nil {
		t.Fatal(err)
	}
	if decoded, err := tokenABI.UnpackError(raw); err != nil {
		t.Fatalf("revert data %x: %v", raw, err)
	} else if fc, ok := decoded.(*bindings.DecoTokenFaucetCapExceeded); !ok || fc.Requested.Cmp(new(big.Int).Lsh(minted, 20)) != 0 {
		t.Fatalf("reverted with %#v", decoded)
	}
	if slot, err := ec.StorageAt(ctx, tokenAddr, common.BigToHash(big.NewInt(1)), nil); err != nil || new(big.Int).SetBytes(slot).Cmp(minted) != 0 {
		t.Fatalf("StorageAt slot 1 (totalSupply) = %x, %v", slot, err)
	}
	if slot, err := ec.PendingStorageAt(ctx, tokenAddr, common.Hash{}); err != nil || common.BytesToAddress(slot) != me {
		t.Fatalf("PendingStorageAt slot 0 (owner) = %x, %v", slot, err)
	}
	code, err := ec.CodeAt(ctx, tokenAddr, nil)
	if err != nil || len(code) == 0 {
		t.Fatalf("CodeAt = %d bytes, %v", len(code), err)
	}
	if pc, err := ec.PendingCodeAt(ctx, tokenAddr); err != nil || string(pc) != string(code) {
		t.Fatalf("PendingCodeAt = %d bytes, %v", len(pc), err)
	}
	if old, err := ec.CodeAt(ctx, tokenAddr, transfer.BlockNumber); err != nil || len(old) != 0 {
		t.Fatalf("CodeAt before the deployment = %d bytes, %v", len(old), err)
	}

	// eth_getProof (gethclient): the account and its slots, proved against
	// the block's state root.
	gc := gethclient.New(ec.Client())
	proof, err := gc.GetProof(ctx, tokenAddr, []string{"0x1", common.Hash{}.Hex(), "0x99"}, nil)
	if err != nil {
		t.Fatalf("GetProof: %v", err)
	}
	nodes := func(list []string) *memorydb.Database {
		db := memorydb.New()
		for _, n := range list {
			b := common.FromHex(n)
			if err := db.Put(crypto.Keccak256(b), b); err != nil {
				t.Fatal(err)
			}
		}
		return db
	}
	rawAccount, err := trie.VerifyProof(latest.Root(), crypto.Keccak256(tokenAddr[:]), nodes(proof.AccountProof))
	if err != nil || rawAccount == nil {
		t.Fatalf("account proof does not verify against the state root: %v", err)
	}
	var account types.StateAccount
	if err := rlp.DecodeBytes(rawAccount, &account); err != nil {
		t.Fatal(err)
	}
	if account.Nonce != proof.Nonce || account.Nonce != 1 || account.Root != proof.StorageHash ||
		common.BytesToHash(account.CodeHash) != proof.CodeHash || proof.CodeHash != crypto.Keccak256Hash(code) {
		t.Fatalf("proved account %+v, answer %+v", account, proof)
	}
	for i, want := range []struct {
		key   string
		value *big.Int
	}{{"0x1", minted}, {common.Hash{}.Hex(), new(big.Int).SetBytes(me[:])}, {"0x99", new(big.Int)}} {
		sp := proof.StorageProof[i]
		if sp.Key != want.key || sp.Value.Cmp(want.value) != 0 {
			t.Fatalf("storage proof %d: key %s value %v, want %s %v", i, sp.Key, sp.Value, want.key, want.value)
		}
		slot := common.HexToHash(want.key)
		raw, err := trie.VerifyProof(proof.StorageHash, crypto.Keccak256(slot[:]), nodes(sp.Proof))
		if err != nil {
			t.Fatalf("storage proof of %s does not verify: %v", want.key, err)
		}
		var got []byte
		if len(raw) > 0 {
			if err := rlp.DecodeBytes(raw, &got); err != nil {
				t.Fatal(err)
			}
		}
		if new(big.Int).SetBytes(got).Cmp(want.value) != 0 {
			t.Fatalf("proved slot %s = %x, want %v", want.key, got, want.value)
		}
	}
	// A historical block's root, and an account that does not exist.
	if p, err := gc.GetProof(ctx, common.Address{0x77}, []string{"0x0"}, transfer.BlockNumber); err != nil ||
		p.Balance.Sign() != 0 || p.StorageHash != types.EmptyRootHash || len(p.StorageProof[0].Proof) != 0 {
		t.Fatalf("GetProof of an empty account = %+v, %v", p, err)
	} else if v, err := trie.VerifyProof(block.Root(), crypto.Keccak256(common.Address{0x77}.Bytes()), nodes(p.AccountProof)); err != nil || v != nil {
		t.Fatalf("absence proof: %x, %v", v, err)
	}

	// A method the chain lacks: the standard method-not-found.
	var re rpc.Error
	if err := ec.Client().CallContext(ctx, new(any), "eth_noSuchMethod"); !errors.As(err, &re) || re.ErrorCode() != -32601 {
		t.Fatalf("unknown method: %v, want JSON-RPC error -32601", err)
	}
}
