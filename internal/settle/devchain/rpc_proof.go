package devchain

import (
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rpc"
	"github.com/ethereum/go-ethereum/trie"
)

// maxProofKeys caps the storage slots one eth_getProof may prove.
const maxProofKeys = 1024

// accountProof is eth_getProof's answer (EIP-1186).
type accountProof struct {
	Address      common.Address `json:"address"`
	AccountProof proofList      `json:"accountProof"`
	Balance      *hexutil.Big   `json:"balance"`
	CodeHash     common.Hash    `json:"codeHash"`
	Nonce        hexutil.Uint64 `json:"nonce"`
	StorageHash  common.Hash    `json:"storageHash"`
	StorageProof []storageProof `json:"storageProof"`
}

type storageProof struct {
	Key   string       `json:"key"`
	Value *hexutil.Big `json:"value"`
	Proof proofList    `json:"proof"`
}

// proofList collects a Merkle proof's nodes as hex, in order from the root.
type proofList []string

func (p *proofList) Put(_, value []byte) error {
	*p = append(*p, hexutil.Encode(value))
	return nil
}

func (p *proofList) Delete([]byte) error { return errors.New("proof list: delete is not supported") }

// GetProof proves an account and some of its storage slots against the
// state root of a block, as geth does: the slot keys come back as sent (a
// full hash, or a quantity for a shorter one); a slot of an account without
// storage has value 0 and an empty proof.
func (a *ethAPI) GetProof(addr common.Address, keys []string, at rpc.BlockNumberOrHash) (*accountProof, error) {
	if len(keys) > maxProofKeys {
		return nil, fmt.Errorf("too many storage keys: %d, at most %d", len(keys), maxProofKeys)
	}
	slots := make([]common.Hash, len(keys))
	for i, k := range keys {
		var err error
		if slots[i], err = storageSlot(k); err != nil {
			return nil, err
		}
	}
	st, header, err := a.state(&at)
	if err != nil {
		return nil, err
	}
	tdb := st.Database().TrieDB()
	storageRoot := st.GetStorageRoot(addr)
	out := &accountProof{
		Address: addr, Balance: (*hexutil.Big)(st.GetBalance(addr).ToBig()),
		CodeHash: st.GetCodeHash(addr), Nonce: hexutil.Uint64(st.GetNonce(addr)),
		StorageHash: storageRoot, StorageProof: make([]storageProof, len(keys)),
	}
	if out.StorageHash == (common.Hash{}) {
		out.StorageHash = types.EmptyRootHash
	}
	var storage *trie.StateTrie
	if len(keys) > 0 && storageRoot != types.EmptyRootHash && storageRoot != (common.Hash{}) {
		id := trie.StorageTrieID(header.Root, crypto.Keccak256Hash(addr.Bytes()), storageRoot)
		if storage, err = trie.NewStateTrie(id, tdb); err != nil {
			return nil, fmt.Errorf("storage trie of %s: %w", addr, err)
		}
	}
	for i, slot := range slots {
		key := hexutil.Encode(slot[:])
		if len(keys[i]) != 66 {
			key = hexutil.EncodeBig(slot.Big())
		}
		p := storageProof{Key: key, Value: (*hexutil.Big)(st.GetState(addr, slot).Big()), Proof: proofList{}}
		if storage != nil {
			if err := storage.Prove(crypto.Keccak256(slot.Bytes()), &p.Proof); err != nil {
				return nil, fmt.Errorf("prove slot %s of %s: %w", key, addr, err)
			}
		}
		out.StorageProof[i] = p
	}
	accounts, err := trie.NewStateTrie(trie.StateTrieID(header.Root), tdb)
	if err != nil {
		return nil, fmt.Errorf("state trie: %w", err)
	}
	if err := accounts.Prove(crypto.Keccak256(addr.Bytes()), &out.AccountProof); err != nil {
		return nil, fmt.Errorf("prove account %s: %w", addr, err)
	}
	return out, st.Error()
}
