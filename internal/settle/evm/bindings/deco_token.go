// Code generated via abigen V2 - DO NOT EDIT.
// This file is a generated binding and any manual changes will be lost.

package bindings

import (
	"bytes"
	"errors"
	"math/big"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// Reference imports to suppress errors if they are not otherwise used.
var (
	_ = bytes.Equal
	_ = errors.New
	_ = big.NewInt
	_ = common.Big1
	_ = types.BloomLookup
	_ = abi.ConvertType
)

// DecoTokenMetaData contains all meta data concerning the DecoToken contract.
var DecoTokenMetaData = bind.MetaData{
	ABI: "[{\"inputs\":[{\"internalType\":\"bool\",\"name\":\"devnet_\",\"type\":\"bool\"}],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"requested\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"cap\",\"type\":\"uint256\"}],\"name\":\"FaucetCapExceeded\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"FaucetClosed\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"allowance\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"needed\",\"type\":\"uint256\"}],\"name\":\"InsufficientAllowance\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"balance\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"needed\",\"type\":\"uint256\"}],\"name\":\"InsufficientBalance\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"NotOwner\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ZeroAddress\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"owner\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"spender\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"value\",\"type\":\"uint256\"}],\"name\":\"Approval\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"previousOwner\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"newOwner\",\"type\":\"address\"}],\"name\":\"OwnershipTransferred\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"from\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"value\",\"type\":\"uint256\"}],\"name\":\"Transfer\",\"type\":\"event\"},{\"inputs\":[],\"name\":\"FAUCET_CAP\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"name\":\"allowance\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"spender\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"approve\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"name\":\"balanceOf\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"decimals\",\"outputs\":[{\"internalType\":\"uint8\",\"name\":\"\",\"type\":\"uint8\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"devnet\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"faucet\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"mint\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"name\",\"outputs\":[{\"internalType\":\"string\",\"name\":\"\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"owner\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"symbol\",\"outputs\":[{\"internalType\":\"string\",\"name\":\"\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"totalSupply\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"transfer\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"from\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"transferFrom\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"newOwner\",\"type\":\"address\"}],\"name\":\"transferOwnership\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"}]",
	ID:  "DecoToken",
	Bin: "0x60a060405234801561000f575f5ffd5b506040516108cf3803806108cf83398101604081905261002e91610078565b8015156080525f80546001600160a01b0319163390811782556040519091907f8be0079c531659141344cd1fd0a4f28419497f9722a3daafe3b4186f6b6457e0908290a35061009e565b5f60208284031215610088575f5ffd5b81518015158114610097575f5ffd5b9392505050565b6080516108126100bd5f395f818161017601526103f801526108125ff3fe608060405234801561000f575f5ffd5b50600436106100f0575f3560e01c806344704ec31161009357806395d89b411161006357806395d89b4114610246578063a9059cbb14610269578063dd62ed3e1461027c578063f2fde38b146102a6575f5ffd5b806344704ec3146101da57806357915897146101ea57806370a08231146101fd5780638da5cb5b1461021c575f5ffd5b8063202ac075116100ce578063202ac0751461017157806323b872dd14610198578063313ce567146101ab57806340c10f19146101c5575f5ffd5b806306fdde03146100f4578063095ea7b31461013757806318160ddd1461015a575b5f5ffd5b6101216040518060400160405280600e81526020016d2232b1b7902232bb102a37b5b2b760911b81525081565b60405161012e91906106a3565b60405180910390f35b61014a6101453660046106f3565b6102b9565b604051901515815260200161012e565b61016360015481565b60405190815260200161012e565b61014a7f000000000000000000000000000000000000000000000000000000000000000081565b61014a6101a636600461071b565b610325565b6101b3601281565b60405160ff909116815260200161012e565b6101d86101d33660046106f3565b6103be565b005b610163683635c9adc5dea0000081565b6101d86101f8366004610755565b6103f6565b61016361020b36600461076c565b60026020525f908152604090205481565b5f5461022e906001600160a01b031681565b6040516001600160a01b03909116815260200161012e565b610121604051806040016040528060048152602001634445434f60e01b81525081565b61014a6102773660046106f3565b61047d565b61016361028a36600461078c565b600360209081525f928352604080842090915290825290205481565b6101d86102b436600461076c565b610492565b335f8181526003602090815260408083206001600160a01b038716808552925280832085905551919290917f8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925906103139086815260200190565b60405180910390a35060015b92915050565b6001600160a01b0383165f9081526003602090815260408083203384529091528120545f1981146103a857828110156103805760405163054365bb60e31b815260048101829052602481018490526044015b60405180910390fd5b6001600160a01b0385165f908152600360209081526040808320338452909152902083820390555b6103b385858561053c565b506001949350505050565b5f546001600160a01b031633146103e8576040516330cd747160e01b815260040160405180910390fd5b6103f28282610613565b5050565b7f000000000000000000000000000000000000000000000000000000000000000061043457604051634c20102f60e01b815260040160405180910390fd5b683635c9adc5dea00000811115610470576040516317f5d3a160e21b815260048101829052683635c9adc5dea000006024820152604401610377565b61047a3382610613565b50565b5f61048933848461053c565b50600192915050565b5f546001600160a01b031633146104bc576040516330cd747160e01b815260040160405180910390fd5b6001600160a01b0381166104e35760405163d92e233d60e01b815260040160405180910390fd5b5f80546040516001600160a01b03808516939216917f8be0079c531659141344cd1fd0a4f28419497f9722a3daafe3b4186f6b6457e091a35f80546001600160a01b0319166001600160a01b0392909216919091179055565b6001600160a01b0382166105635760405163d92e233d60e01b815260040160405180910390fd5b6001600160a01b0383165f90815260026020526040902054818110156105a65760405163cf47918160e01b81526004810182905260248101839052604401610377565b6001600160a01b038085165f8181526002602052604080822086860390559286168082529083902080548601905591517fddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef906106059086815260200190565b60405180910390a350505050565b6001600160a01b03821661063a5760405163d92e233d60e01b815260040160405180910390fd5b8060015f82825461064b91906107bd565b90915550506001600160a01b0382165f818152600260209081526040808320805486019055518481527fddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef910160405180910390a35050565b602081525f82518060208401528060208501604085015e5f604082850101526040601f19601f83011684010191505092915050565b80356001600160a01b03811681146106ee575f5ffd5b919050565b5f5f60408385031215610704575f5ffd5b61070d836106d8565b946020939093013593505050565b5f5f5f6060848603121561072d575f5ffd5b610736846106d8565b9250610744602085016106d8565b929592945050506040919091013590565b5f60208284031215610765575f5ffd5b5035919050565b5f6020828403121561077c575f5ffd5b610785826106d8565b9392505050565b5f5f6040838503121561079d575f5ffd5b6107a6836106d8565b91506107b4602084016106d8565b90509250929050565b8082018082111561031f57634e487b7160e01b5f52601160045260245ffdfea26469706673582212203ccfefc5b43232948d0f5a8e0685ed352922de620027adb716ac5c02c5e9e10964736f6c634300081c0033",
}

// DecoToken is an auto generated Go binding around an Ethereum contract.
type DecoToken struct {
	abi abi.ABI
}

// GetABI returns the ABI associated with this contract binding.
func (c *DecoToken) GetABI() abi.ABI {
	return c.abi
}

// NewDecoToken creates a new instance of DecoToken.
func NewDecoToken() *DecoToken {
	parsed, err := DecoTokenMetaData.ParseABI()
	if err != nil {
		panic(errors.New("invalid ABI: " + err.Error()))
	}
	return &DecoToken{abi: *parsed}
}

// Instance creates a wrapper for a deployed contract instance at the given address.
// Use this to create the instance object passed to abigen v2 library functions Call, Transact, etc.
func (c *DecoToken) Instance(backend bind.ContractBackend, addr common.Address) *bind.BoundContract {
	return bind.NewBoundContract(addr, c.abi, backend, backend, backend)
}

// PackConstructor is the Go binding used to pack the parameters required for
// contract deployment.
//
// Solidity: constructor(bool devnet_) returns()
func (decoToken *DecoToken) PackConstructor(devnet_ bool) []byte {
	enc, err := decoToken.abi.Pack("", devnet_)
	if err != nil {
		panic(err)
	}
	return enc
}

// PackFAUCETCAP is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x44704ec3.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function FAUCET_CAP() view returns(uint256)
func (decoToken *DecoToken) PackFAUCETCAP() []byte {
	enc, err := decoToken.abi.Pack("FAUCET_CAP")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackFAUCETCAP is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x44704ec3.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function FAUCET_CAP() view returns(uint256)
func (decoToken *DecoToken) TryPackFAUCETCAP() ([]byte, error) {
	return decoToken.abi.Pack("FAUCET_CAP")
}

// UnpackFAUCETCAP is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x44704ec3.
//
// Solidity: function FAUCET_CAP() view returns(uint256)
func (decoToken *DecoToken) UnpackFAUCETCAP(data []byte) (*big.Int, error) {
	out, err := decoToken.abi.Unpack("FAUCET_CAP", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackAllowance is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xdd62ed3e.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function allowance(address , address ) view returns(uint256)
func (decoToken *DecoToken) PackAllowance(arg0 common.Address, arg1 common.Address) []byte {
	enc, err := decoToken.abi.Pack("allowance", arg0, arg1)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAllowance is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xdd62ed3e.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function allowance(address , address ) view returns(uint256)
func (decoToken *DecoToken) TryPackAllowance(arg0 common.Address, arg1 common.Address) ([]byte, error) {
	return decoToken.abi.Pack("allowance", arg0, arg1)
}

// UnpackAllowance is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xdd62ed3e.
//
// Solidity: function allowance(address , address ) view returns(uint256)
func (decoToken *DecoToken) UnpackAllowance(data []byte) (*big.Int, error) {
	out, err := decoToken.abi.Unpack("allowance", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackApprove is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x095ea7b3.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function approve(address spender, uint256 amount) returns(bool)
func (decoToken *DecoToken) PackApprove(spender common.Address, amount *big.Int) []byte {
	enc, err := decoToken.abi.Pack("approve", spender, amount)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackApprove is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x095ea7b3.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function approve(address spender, uint256 amount) returns(bool)
func (decoToken *DecoToken) TryPackApprove(spender common.Address, amount *big.Int) ([]byte, error) {
	return decoToken.abi.Pack("approve", spender, amount)
}

// UnpackApprove is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x095ea7b3.
//
// Solidity: function approve(address spender, uint256 amount) returns(bool)
func (decoToken *DecoToken) UnpackApprove(data []byte) (bool, error) {
	out, err := decoToken.abi.Unpack("approve", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackBalanceOf is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x70a08231.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function balanceOf(address ) view returns(uint256)
func (decoToken *DecoToken) PackBalanceOf(arg0 common.Address) []byte {
	enc, err := decoToken.abi.Pack("balanceOf", arg0)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackBalanceOf is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x70a08231.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function balanceOf(address ) view returns(uint256)
func (decoToken *DecoToken) TryPackBalanceOf(arg0 common.Address) ([]byte, error) {
	return decoToken.abi.Pack("balanceOf", arg0)
}

// UnpackBalanceOf is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x70a08231.
//
// Solidity: function balanceOf(address ) view returns(uint256)
func (decoToken *DecoToken) UnpackBalanceOf(data []byte) (*big.Int, error) {
	out, err := decoToken.abi.Unpack("balanceOf", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackDecimals is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x313ce567.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function decimals() view returns(uint8)
func (decoToken *DecoToken) PackDecimals() []byte {
	enc, err := decoToken.abi.Pack("decimals")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackDecimals is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x313ce567.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function decimals() view returns(uint8)
func (decoToken *DecoToken) TryPackDecimals() ([]byte, error) {
	return decoToken.abi.Pack("decimals")
}

// UnpackDecimals is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x313ce567.
//
// Solidity: function decimals() view returns(uint8)
func (decoToken *DecoToken) UnpackDecimals(data []byte) (uint8, error) {
	out, err := decoToken.abi.Unpack("decimals", data)
	if err != nil {
		return *new(uint8), err
	}
	out0 := *abi.ConvertType(out[0], new(uint8)).(*uint8)
	return out0, nil
}

// PackDevnet is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x202ac075.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function devnet() view returns(bool)
func (decoToken *DecoToken) PackDevnet() []byte {
	enc, err := decoToken.abi.Pack("devnet")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackDevnet is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x202ac075.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function devnet() view returns(bool)
func (decoToken *DecoToken) TryPackDevnet() ([]byte, error) {
	return decoToken.abi.Pack("devnet")
}

// UnpackDevnet is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x202ac075.
//
// Solidity: function devnet() view returns(bool)
func (decoToken *DecoToken) UnpackDevnet(data []byte) (bool, error) {
	out, err := decoToken.abi.Unpack("devnet", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackFaucet is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x57915897.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function faucet(uint256 amount) returns()
func (decoToken *DecoToken) PackFaucet(amount *big.Int) []byte {
	enc, err := decoToken.abi.Pack("faucet", amount)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackFaucet is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x57915897.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function faucet(uint256 amount) returns()
func (decoToken *DecoToken) TryPackFaucet(amount *big.Int) ([]byte, error) {
	return decoToken.abi.Pack("faucet", amount)
}

// PackMint is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x40c10f19.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function mint(address to, uint256 amount) returns()
func (decoToken *DecoToken) PackMint(to common.Address, amount *big.Int) []byte {
	enc, err := decoToken.abi.Pack("mint", to, amount)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackMint is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x40c10f19.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function mint(address to, uint256 amount) returns()
func (decoToken *DecoToken) TryPackMint(to common.Address, amount *big.Int) ([]byte, error) {
	return decoToken.abi.Pack("mint", to, amount)
}

// PackName is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x06fdde03.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function name() view returns(string)
func (decoToken *DecoToken) PackName() []byte {
	enc, err := decoToken.abi.Pack("name")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackName is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x06fdde03.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function name() view returns(string)
func (decoToken *DecoToken) TryPackName() ([]byte, error) {
	return decoToken.abi.Pack("name")
}

// UnpackName is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x06fdde03.
//
// Solidity: function name() view returns(string)
func (decoToken *DecoToken) UnpackName(data []byte) (string, error) {
	out, err := decoToken.abi.Unpack("name", data)
	if err != nil {
		return *new(string), err
	}
	out0 := *abi.ConvertType(out[0], new(string)).(*string)
	return out0, nil
}

// PackOwner is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x8da5cb5b.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function owner() view returns(address)
func (decoToken *DecoToken) PackOwner() []byte {
	enc, err := decoToken.abi.Pack("owner")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackOwner is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x8da5cb5b.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function owner() view returns(address)
func (decoToken *DecoToken) TryPackOwner() ([]byte, error) {
	return decoToken.abi.Pack("owner")
}

// UnpackOwner is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x8da5cb5b.
//
// Solidity: function owner() view returns(address)
func (decoToken *DecoToken) UnpackOwner(data []byte) (common.Address, error) {
	out, err := decoToken.abi.Unpack("owner", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// PackSymbol is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x95d89b41.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function symbol() view returns(string)
func (decoToken *DecoToken) PackSymbol() []byte {
	enc, err := decoToken.abi.Pack("symbol")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSymbol is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x95d89b41.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function symbol() view returns(string)
func (decoToken *DecoToken) TryPackSymbol() ([]byte, error) {
	return decoToken.abi.Pack("symbol")
}

// UnpackSymbol is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x95d89b41.
//
// Solidity: function symbol() view returns(string)
func (decoToken *DecoToken) UnpackSymbol(data []byte) (string, error) {
	out, err := decoToken.abi.Unpack("symbol", data)
	if err != nil {
		return *new(string), err
	}
	out0 := *abi.ConvertType(out[0], new(string)).(*string)
	return out0, nil
}

// PackTotalSupply is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x18160ddd.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function totalSupply() view returns(uint256)
func (decoToken *DecoToken) PackTotalSupply() []byte {
	enc, err := decoToken.abi.Pack("totalSupply")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackTotalSupply is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x18160ddd.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function totalSupply() view returns(uint256)
func (decoToken *DecoToken) TryPackTotalSupply() ([]byte, error) {
	return decoToken.abi.Pack("totalSupply")
}

// UnpackTotalSupply is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x18160ddd.
//
// Solidity: function totalSupply() view returns(uint256)
func (decoToken *DecoToken) UnpackTotalSupply(data []byte) (*big.Int, error) {
	out, err := decoToken.abi.Unpack("totalSupply", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackTransfer is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xa9059cbb.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function transfer(address to, uint256 amount) returns(bool)
func (decoToken *DecoToken) PackTransfer(to common.Address, amount *big.Int) []byte {
	enc, err := decoToken.abi.Pack("transfer", to, amount)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackTransfer is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xa9059cbb.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function transfer(address to, uint256 amount) returns(bool)
func (decoToken *DecoToken) TryPackTransfer(to common.Address, amount *big.Int) ([]byte, error) {
	return decoToken.abi.Pack("transfer", to, amount)
}

// UnpackTransfer is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xa9059cbb.
//
// Solidity: function transfer(address to, uint256 amount) returns(bool)
func (decoToken *DecoToken) UnpackTransfer(data []byte) (bool, error) {
	out, err := decoToken.abi.Unpack("transfer", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackTransferFrom is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x23b872dd.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function transferFrom(address from, address to, uint256 amount) returns(bool)
func (decoToken *DecoToken) PackTransferFrom(from common.Address, to common.Address, amount *big.Int) []byte {
	enc, err := decoToken.abi.Pack("transferFrom", from, to, amount)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackTransferFrom is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x23b872dd.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function transferFrom(address from, address to, uint256 amount) returns(bool)
func (decoToken *DecoToken) TryPackTransferFrom(from common.Address, to common.Address, amount *big.Int) ([]byte, error) {
	return decoToken.abi.Pack("transferFrom", from, to, amount)
}

// UnpackTransferFrom is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x23b872dd.
//
// Solidity: function transferFrom(address from, address to, uint256 amount) returns(bool)
func (decoToken *DecoToken) UnpackTransferFrom(data []byte) (bool, error) {
	out, err := decoToken.abi.Unpack("transferFrom", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackTransferOwnership is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf2fde38b.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function transferOwnership(address newOwner) returns()
func (decoToken *DecoToken) PackTransferOwnership(newOwner common.Address) []byte {
	enc, err := decoToken.abi.Pack("transferOwnership", newOwner)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackTransferOwnership is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf2fde38b.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function transferOwnership(address newOwner) returns()
func (decoToken *DecoToken) TryPackTransferOwnership(newOwner common.Address) ([]byte, error) {
	return decoToken.abi.Pack("transferOwnership", newOwner)
}

// DecoTokenApproval represents a Approval event raised by the DecoToken contract.
type DecoTokenApproval struct {
	Owner   common.Address
	Spender common.Address
	Value   *big.Int
	Raw     *types.Log // Blockchain specific contextual infos
}

const DecoTokenApprovalEventName = "Approval"

// ContractEventName returns the user-defined event name.
func (DecoTokenApproval) ContractEventName() string {
	return DecoTokenApprovalEventName
}

// UnpackApprovalEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event Approval(address indexed owner, address indexed spender, uint256 value)
func (decoToken *DecoToken) UnpackApprovalEvent(log *types.Log) (*DecoTokenApproval, error) {
	event := "Approval"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != decoToken.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DecoTokenApproval)
	if len(log.Data) > 0 {
		if err := decoToken.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range decoToken.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// DecoTokenOwnershipTransferred represents a OwnershipTransferred event raised by the DecoToken contract.
type DecoTokenOwnershipTransferred struct {
	PreviousOwner common.Address
	NewOwner      common.Address
	Raw           *types.Log // Blockchain specific contextual infos
}

const DecoTokenOwnershipTransferredEventName = "OwnershipTransferred"

// ContractEventName returns the user-defined event name.
func (DecoTokenOwnershipTransferred) ContractEventName() string {
	return DecoTokenOwnershipTransferredEventName
}

// UnpackOwnershipTransferredEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event OwnershipTransferred(address indexed previousOwner, address indexed newOwner)
func (decoToken *DecoToken) UnpackOwnershipTransferredEvent(log *types.Log) (*DecoTokenOwnershipTransferred, error) {
	event := "OwnershipTransferred"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != decoToken.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DecoTokenOwnershipTransferred)
	if len(log.Data) > 0 {
		if err := decoToken.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range decoToken.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// DecoTokenTransfer represents a Transfer event raised by the DecoToken contract.
type DecoTokenTransfer struct {
	From  common.Address
	To    common.Address
	Value *big.Int
	Raw   *types.Log // Blockchain specific contextual infos
}

const DecoTokenTransferEventName = "Transfer"

// ContractEventName returns the user-defined event name.
func (DecoTokenTransfer) ContractEventName() string {
	return DecoTokenTransferEventName
}

// UnpackTransferEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event Transfer(address indexed from, address indexed to, uint256 value)
func (decoToken *DecoToken) UnpackTransferEvent(log *types.Log) (*DecoTokenTransfer, error) {
	event := "Transfer"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != decoToken.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(DecoTokenTransfer)
	if len(log.Data) > 0 {
		if err := decoToken.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range decoToken.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// UnpackError attempts to decode the provided error data using user-defined
// error definitions.
func (decoToken *DecoToken) UnpackError(raw []byte) (any, error) {
	if bytes.Equal(raw[:4], decoToken.abi.Errors["FaucetCapExceeded"].ID.Bytes()[:4]) {
		return decoToken.UnpackFaucetCapExceededError(raw[4:])
	}
	if bytes.Equal(raw[:4], decoToken.abi.Errors["FaucetClosed"].ID.Bytes()[:4]) {
		return decoToken.UnpackFaucetClosedError(raw[4:])
	}
	if bytes.Equal(raw[:4], decoToken.abi.Errors["InsufficientAllowance"].ID.Bytes()[:4]) {
		return decoToken.UnpackInsufficientAllowanceError(raw[4:])
	}
	if bytes.Equal(raw[:4], decoToken.abi.Errors["InsufficientBalance"].ID.Bytes()[:4]) {
		return decoToken.UnpackInsufficientBalanceError(raw[4:])
	}
	if bytes.Equal(raw[:4], decoToken.abi.Errors["NotOwner"].ID.Bytes()[:4]) {
		return decoToken.UnpackNotOwnerError(raw[4:])
	}
	if bytes.Equal(raw[:4], decoToken.abi.Errors["ZeroAddress"].ID.Bytes()[:4]) {
		return decoToken.UnpackZeroAddressError(raw[4:])
	}
	return nil, errors.New("Unknown error")
}

// DecoTokenFaucetCapExceeded represents a FaucetCapExceeded error raised by the DecoToken contract.
type DecoTokenFaucetCapExceeded struct {
	Requested *big.Int
	Cap       *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error FaucetCapExceeded(uint256 requested, uint256 cap)
func DecoTokenFaucetCapExceededErrorID() common.Hash {
	return common.HexToHash("0x5fd74e8420bc2e454745579a7ba1c53ab55c766c60c030cdee5cd4b5f7d0cb75")
}

// UnpackFaucetCapExceededError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error FaucetCapExceeded(uint256 requested, uint256 cap)
func (decoToken *DecoToken) UnpackFaucetCapExceededError(raw []byte) (*DecoTokenFaucetCapExceeded, error) {
	out := new(DecoTokenFaucetCapExceeded)
	if err := decoToken.abi.UnpackIntoInterface(out, "FaucetCapExceeded", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DecoTokenFaucetClosed represents a FaucetClosed error raised by the DecoToken contract.
type DecoTokenFaucetClosed struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error FaucetClosed()
func DecoTokenFaucetClosedErrorID() common.Hash {
	return common.HexToHash("0x4c20102f59723f4d3136df24c5919918f7e72bf0669fac6a5e8bc3fa28aeae54")
}

// UnpackFaucetClosedError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error FaucetClosed()
func (decoToken *DecoToken) UnpackFaucetClosedError(raw []byte) (*DecoTokenFaucetClosed, error) {
	out := new(DecoTokenFaucetClosed)
	if err := decoToken.abi.UnpackIntoInterface(out, "FaucetClosed", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DecoTokenInsufficientAllowance represents a InsufficientAllowance error raised by the DecoToken contract.
type DecoTokenInsufficientAllowance struct {
	Allowance *big.Int
	Needed    *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InsufficientAllowance(uint256 allowance, uint256 needed)
func DecoTokenInsufficientAllowanceErrorID() common.Hash {
	return common.HexToHash("0x2a1b2dd846b7c4bf41216c8f38fc58089000eb0b20edf03e6f81ecadbe2cbedf")
}

// UnpackInsufficientAllowanceError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InsufficientAllowance(uint256 allowance, uint256 needed)
func (decoToken *DecoToken) UnpackInsufficientAllowanceError(raw []byte) (*DecoTokenInsufficientAllowance, error) {
	out := new(DecoTokenInsufficientAllowance)
	if err := decoToken.abi.UnpackIntoInterface(out, "InsufficientAllowance", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DecoTokenInsufficientBalance represents a InsufficientBalance error raised by the DecoToken contract.
type DecoTokenInsufficientBalance struct {
	Balance *big.Int
	Needed  *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InsufficientBalance(uint256 balance, uint256 needed)
func DecoTokenInsufficientBalanceErrorID() common.Hash {
	return common.HexToHash("0xcf4791818fba6e019216eb4864093b4947f674afada5d305e57d598b641dad1d")
}

// UnpackInsufficientBalanceError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InsufficientBalance(uint256 balance, uint256 needed)
func (decoToken *DecoToken) UnpackInsufficientBalanceError(raw []byte) (*DecoTokenInsufficientBalance, error) {
	out := new(DecoTokenInsufficientBalance)
	if err := decoToken.abi.UnpackIntoInterface(out, "InsufficientBalance", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DecoTokenNotOwner represents a NotOwner error raised by the DecoToken contract.
type DecoTokenNotOwner struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NotOwner()
func DecoTokenNotOwnerErrorID() common.Hash {
	return common.HexToHash("0x30cd74712f59d478562d48e2d35de830db72c60a63dd08ae59199eec990b5bc4")
}

// UnpackNotOwnerError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NotOwner()
func (decoToken *DecoToken) UnpackNotOwnerError(raw []byte) (*DecoTokenNotOwner, error) {
	out := new(DecoTokenNotOwner)
	if err := decoToken.abi.UnpackIntoInterface(out, "NotOwner", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// DecoTokenZeroAddress represents a ZeroAddress error raised by the DecoToken contract.
type DecoTokenZeroAddress struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ZeroAddress()
func DecoTokenZeroAddressErrorID() common.Hash {
	return common.HexToHash("0xd92e233df2717d4a40030e20904abd27b68fcbeede117eaaccbbdac9618c8c73")
}

// UnpackZeroAddressError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ZeroAddress()
func (decoToken *DecoToken) UnpackZeroAddressError(raw []byte) (*DecoTokenZeroAddress, error) {
	out := new(DecoTokenZeroAddress)
	if err := decoToken.abi.UnpackIntoInterface(out, "ZeroAddress", raw); err != nil {
		return nil, err
	}
	return out, nil
}
