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

// HostileTokenMetaData contains all meta data concerning the HostileToken contract.
var HostileTokenMetaData = bind.MetaData{
	ABI: "[{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"from\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"value\",\"type\":\"uint256\"}],\"name\":\"Transfer\",\"type\":\"event\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"name\":\"allowance\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"spender\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"approve\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"attackData\",\"outputs\":[{\"internalType\":\"bytes\",\"name\":\"\",\"type\":\"bytes\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"attackTarget\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"attacks\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"name\":\"balanceOf\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"bubbleRevert\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"lastAttackOk\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"lastAttackResult\",\"outputs\":[{\"internalType\":\"bytes\",\"name\":\"\",\"type\":\"bytes\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"mint\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"returnFalse\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"returnNothing\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"target\",\"type\":\"address\"},{\"internalType\":\"bytes\",\"name\":\"data\",\"type\":\"bytes\"},{\"internalType\":\"bool\",\"name\":\"bubble\",\"type\":\"bool\"}],\"name\":\"setAttack\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bool\",\"name\":\"nothing\",\"type\":\"bool\"},{\"internalType\":\"bool\",\"name\":\"fail\",\"type\":\"bool\"}],\"name\":\"setReturn\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"transfer\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"from\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"to\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"transferFrom\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"}]",
	ID:  "HostileToken",
	Bin: "0x6080604052348015600e575f5ffd5b50610bbe8061001c5f395ff3fe608060405234801561000f575f5ffd5b50600436106100fb575f3560e01c80638345077011610093578063d599172311610063578063d59917231461021d578063dd62ed3e14610225578063f70686431461024f578063fb90f3bd1461028b575f5ffd5b806383450770146101dc578063a9059cbb146101ee578063aab1723e14610201578063c4a86c6e1461020a575f5ffd5b806340c10f19116100ce57806340c10f19146101625780635e07498d1461017757806365ed2dfa1461018457806370a08231146101af575f5ffd5b8063095ea7b3146100ff578063203c82431461012757806323b872dd1461013c57806329c147661461014f575b5f5ffd5b61011261010d366004610719565b610298565b60405190151581526020015b60405180910390f35b61012f6102c5565b60405161011e9190610741565b61011261014a366004610776565b610351565b6004546101129062010000900460ff1681565b610175610170366004610719565b610407565b005b6006546101129060ff1681565b600254610197906001600160a01b031681565b6040516001600160a01b03909116815260200161011e565b6101ce6101bd3660046107b0565b5f6020819052908152604090205481565b60405190815260200161011e565b60045461011290610100900460ff1681565b6101126101fc366004610719565b610477565b6101ce60055481565b6101756102183660046107d8565b610492565b61012f6104d1565b6101ce610233366004610867565b600160209081525f928352604080842090915290825290205481565b61017561025d366004610898565b6004805462ffff0019166101009315159390930262ff00001916929092176201000091151591909102179055565b6004546101129060ff1681565b335f9081526001602081815260408084206001600160a01b03871685529091529091208290555b92915050565b600380546102d2906108c0565b80601f01602080910402602001604051908101604052809291908181526020018280546102fe906108c0565b80156103495780601f1061032057610100808354040283529160200191610349565b820191905f5260205f20905b81548152906001019060200180831161032c57829003601f168201915b505050505081565b6001600160a01b0383165f9081526001602090815260408083203384529091528120548211156103b45760405162461bcd60e51b8152602060048201526009602482015268616c6c6f77616e636560b81b60448201526064015b60405180910390fd5b6001600160a01b0384165f908152600160209081526040808320338452909152812080548492906103e690849061090c565b909155506103f790508484846104de565b6103ff6106d9565b949350505050565b6001600160a01b0382165f908152602081905260408120805483929061042e90849061091f565b90915550506040518181526001600160a01b038316905f907fddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef9060200160405180910390a35050565b5f6104833384846104de565b61048b6106d9565b9392505050565b600280546001600160a01b0319166001600160a01b03861617905560036104ba83858361098a565b506004805460ff1916911515919091179055505050565b600780546102d2906108c0565b6001600160a01b0383165f9081526020819052604090205481111561052f5760405162461bcd60e51b815260206004820152600760248201526662616c616e636560c81b60448201526064016103ab565b6001600160a01b0383165f908152602081905260408120805483929061055690849061090c565b90915550506001600160a01b0382165f908152602081905260408120805483929061058290849061091f565b92505081905550816001600160a01b0316836001600160a01b03167fddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef836040516105ce91815260200190565b60405180910390a36002546001600160a01b0316158015906105fa57506004546301000000900460ff16155b156106d4576004805463ff0000001916630100000017905560058054905f61062183610a44565b90915550506002546040515f9182916001600160a01b039091169061064890600390610a5c565b5f604051808303815f865af19150503d805f8114610681576040519150601f19603f3d011682016040523d82523d5f602084013e610686565b606091505b506004805463ff000000191690556006805460ff1916831515179055909250905060076106b38282610acd565b50811580156106c4575060045460ff165b156106d157805160208201fd5b50505b505050565b6004545f90610100900460ff16156106ed57005b5060045462010000900460ff161590565b80356001600160a01b0381168114610714575f5ffd5b919050565b5f5f6040838503121561072a575f5ffd5b610733836106fe565b946020939093013593505050565b602081525f82518060208401528060208501604085015e5f604082850101526040601f19601f83011684010191505092915050565b5f5f5f60608486031215610788575f5ffd5b610791846106fe565b925061079f602085016106fe565b929592945050506040919091013590565b5f602082840312156107c0575f5ffd5b61048b826106fe565b80358015158114610714575f5ffd5b5f5f5f5f606085870312156107eb575f5ffd5b6107f4856106fe565b9350602085013567ffffffffffffffff81111561080f575f5ffd5b8501601f8101871361081f575f5ffd5b803567ffffffffffffffff811115610835575f5ffd5b876020828401011115610846575f5ffd5b6020919091019350915061085c604086016107c9565b905092959194509250565b5f5f60408385031215610878575f5ffd5b610881836106fe565b915061088f602084016106fe565b90509250929050565b5f5f604083850312156108a9575f5ffd5b6108b2836107c9565b915061088f602084016107c9565b600181811c908216806108d457607f821691505b6020821081036108f257634e487b7160e01b5f52602260045260245ffd5b50919050565b634e487b7160e01b5f52601160045260245ffd5b818103818111156102bf576102bf6108f8565b808201808211156102bf576102bf6108f8565b634e487b7160e01b5f52604160045260245ffd5b601f8211156106d457805f5260205f20601f840160051c8101602085101561096b5750805b601f840160051c820191505b818110156106d1575f8155600101610977565b67ffffffffffffffff8311156109a2576109a2610932565b6109b6836109b083546108c0565b83610946565b5f601f8411600181146109e7575f85156109d05750838201355b5f19600387901b1c1916600186901b1783556106d1565b5f83815260208120601f198716915b82811015610a1657868501358255602094850194600190920191016109f6565b5086821015610a32575f1960f88860031b161c19848701351681555b505060018560011b0183555050505050565b5f60018201610a5557610a556108f8565b5060010190565b5f5f8354610a69816108c0565b600182168015610a805760018114610a9557610ac2565b60ff1983168652811515820286019350610ac2565b865f5260205f205f5b83811015610aba57815488820152600190910190602001610a9e565b505081860193505b509195945050505050565b815167ffffffffffffffff811115610ae757610ae7610932565b610afb81610af584546108c0565b84610946565b6020601f821160018114610b2d575f8315610b165750848201515b5f19600385901b1c1916600184901b1784556106d1565b5f84815260208120601f198516915b82811015610b5c5787850151825560209485019460019092019101610b3c565b5084821015610b7957868401515f19600387901b60f8161c191681555b50505050600190811b0190555056fea264697066735822122025b18fa24a8f42d4d00152deed7c92e736c271b1e062db032c3e0f36811964fc64736f6c634300081c0033",
}

// HostileToken is an auto generated Go binding around an Ethereum contract.
type HostileToken struct {
	abi abi.ABI
}

// GetABI returns the ABI associated with this contract binding.
func (c *HostileToken) GetABI() abi.ABI {
	return c.abi
}

// NewHostileToken creates a new instance of HostileToken.
func NewHostileToken() *HostileToken {
	parsed, err := HostileTokenMetaData.ParseABI()
	if err != nil {
		panic(errors.New("invalid ABI: " + err.Error()))
	}
	return &HostileToken{abi: *parsed}
}

// Instance creates a wrapper for a deployed contract instance at the given address.
// Use this to create the instance object passed to abigen v2 library functions Call, Transact, etc.
func (c *HostileToken) Instance(backend bind.ContractBackend, addr common.Address) *bind.BoundContract {
	return bind.NewBoundContract(addr, c.abi, backend, backend, backend)
}

// PackAllowance is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xdd62ed3e.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function allowance(address , address ) view returns(uint256)
func (hostileToken *HostileToken) PackAllowance(arg0 common.Address, arg1 common.Address) []byte {
	enc, err := hostileToken.abi.Pack("allowance", arg0, arg1)
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
func (hostileToken *HostileToken) TryPackAllowance(arg0 common.Address, arg1 common.Address) ([]byte, error) {
	return hostileToken.abi.Pack("allowance", arg0, arg1)
}

// UnpackAllowance is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xdd62ed3e.
//
// Solidity: function allowance(address , address ) view returns(uint256)
func (hostileToken *HostileToken) UnpackAllowance(data []byte) (*big.Int, error) {
	out, err := hostileToken.abi.Unpack("allowance", data)
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
func (hostileToken *HostileToken) PackApprove(spender common.Address, amount *big.Int) []byte {
	enc, err := hostileToken.abi.Pack("approve", spender, amount)
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
func (hostileToken *HostileToken) TryPackApprove(spender common.Address, amount *big.Int) ([]byte, error) {
	return hostileToken.abi.Pack("approve", spender, amount)
}

// UnpackApprove is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x095ea7b3.
//
// Solidity: function approve(address spender, uint256 amount) returns(bool)
func (hostileToken *HostileToken) UnpackApprove(data []byte) (bool, error) {
	out, err := hostileToken.abi.Unpack("approve", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackAttackData is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x203c8243.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function attackData() view returns(bytes)
func (hostileToken *HostileToken) PackAttackData() []byte {
	enc, err := hostileToken.abi.Pack("attackData")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAttackData is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x203c8243.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function attackData() view returns(bytes)
func (hostileToken *HostileToken) TryPackAttackData() ([]byte, error) {
	return hostileToken.abi.Pack("attackData")
}

// UnpackAttackData is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x203c8243.
//
// Solidity: function attackData() view returns(bytes)
func (hostileToken *HostileToken) UnpackAttackData(data []byte) ([]byte, error) {
	out, err := hostileToken.abi.Unpack("attackData", data)
	if err != nil {
		return *new([]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([]byte)).(*[]byte)
	return out0, nil
}

// PackAttackTarget is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x65ed2dfa.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function attackTarget() view returns(address)
func (hostileToken *HostileToken) PackAttackTarget() []byte {
	enc, err := hostileToken.abi.Pack("attackTarget")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAttackTarget is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x65ed2dfa.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function attackTarget() view returns(address)
func (hostileToken *HostileToken) TryPackAttackTarget() ([]byte, error) {
	return hostileToken.abi.Pack("attackTarget")
}

// UnpackAttackTarget is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x65ed2dfa.
//
// Solidity: function attackTarget() view returns(address)
func (hostileToken *HostileToken) UnpackAttackTarget(data []byte) (common.Address, error) {
	out, err := hostileToken.abi.Unpack("attackTarget", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// PackAttacks is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xaab1723e.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function attacks() view returns(uint256)
func (hostileToken *HostileToken) PackAttacks() []byte {
	enc, err := hostileToken.abi.Pack("attacks")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackAttacks is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xaab1723e.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function attacks() view returns(uint256)
func (hostileToken *HostileToken) TryPackAttacks() ([]byte, error) {
	return hostileToken.abi.Pack("attacks")
}

// UnpackAttacks is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xaab1723e.
//
// Solidity: function attacks() view returns(uint256)
func (hostileToken *HostileToken) UnpackAttacks(data []byte) (*big.Int, error) {
	out, err := hostileToken.abi.Unpack("attacks", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackBalanceOf is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x70a08231.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function balanceOf(address ) view returns(uint256)
func (hostileToken *HostileToken) PackBalanceOf(arg0 common.Address) []byte {
	enc, err := hostileToken.abi.Pack("balanceOf", arg0)
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
func (hostileToken *HostileToken) TryPackBalanceOf(arg0 common.Address) ([]byte, error) {
	return hostileToken.abi.Pack("balanceOf", arg0)
}

// UnpackBalanceOf is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x70a08231.
//
// Solidity: function balanceOf(address ) view returns(uint256)
func (hostileToken *HostileToken) UnpackBalanceOf(data []byte) (*big.Int, error) {
	out, err := hostileToken.abi.Unpack("balanceOf", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackBubbleRevert is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xfb90f3bd.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function bubbleRevert() view returns(bool)
func (hostileToken *HostileToken) PackBubbleRevert() []byte {
	enc, err := hostileToken.abi.Pack("bubbleRevert")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackBubbleRevert is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xfb90f3bd.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function bubbleRevert() view returns(bool)
func (hostileToken *HostileToken) TryPackBubbleRevert() ([]byte, error) {
	return hostileToken.abi.Pack("bubbleRevert")
}

// UnpackBubbleRevert is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xfb90f3bd.
//
// Solidity: function bubbleRevert() view returns(bool)
func (hostileToken *HostileToken) UnpackBubbleRevert(data []byte) (bool, error) {
	out, err := hostileToken.abi.Unpack("bubbleRevert", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackLastAttackOk is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x5e07498d.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function lastAttackOk() view returns(bool)
func (hostileToken *HostileToken) PackLastAttackOk() []byte {
	enc, err := hostileToken.abi.Pack("lastAttackOk")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackLastAttackOk is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x5e07498d.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function lastAttackOk() view returns(bool)
func (hostileToken *HostileToken) TryPackLastAttackOk() ([]byte, error) {
	return hostileToken.abi.Pack("lastAttackOk")
}

// UnpackLastAttackOk is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x5e07498d.
//
// Solidity: function lastAttackOk() view returns(bool)
func (hostileToken *HostileToken) UnpackLastAttackOk(data []byte) (bool, error) {
	out, err := hostileToken.abi.Unpack("lastAttackOk", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackLastAttackResult is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xd5991723.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function lastAttackResult() view returns(bytes)
func (hostileToken *HostileToken) PackLastAttackResult() []byte {
	enc, err := hostileToken.abi.Pack("lastAttackResult")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackLastAttackResult is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xd5991723.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function lastAttackResult() view returns(bytes)
func (hostileToken *HostileToken) TryPackLastAttackResult() ([]byte, error) {
	return hostileToken.abi.Pack("lastAttackResult")
}

// UnpackLastAttackResult is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xd5991723.
//
// Solidity: function lastAttackResult() view returns(bytes)
func (hostileToken *HostileToken) UnpackLastAttackResult(data []byte) ([]byte, error) {
	out, err := hostileToken.abi.Unpack("lastAttackResult", data)
	if err != nil {
		return *new([]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([]byte)).(*[]byte)
	return out0, nil
}

// PackMint is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x40c10f19.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function mint(address to, uint256 amount) returns()
func (hostileToken *HostileToken) PackMint(to common.Address, amount *big.Int) []byte {
	enc, err := hostileToken.abi.Pack("mint", to, amount)
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
func (hostileToken *HostileToken) TryPackMint(to common.Address, amount *big.Int) ([]byte, error) {
	return hostileToken.abi.Pack("mint", to, amount)
}

// PackReturnFalse is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x29c14766.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function returnFalse() view returns(bool)
func (hostileToken *HostileToken) PackReturnFalse() []byte {
	enc, err := hostileToken.abi.Pack("returnFalse")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackReturnFalse is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x29c14766.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function returnFalse() view returns(bool)
func (hostileToken *HostileToken) TryPackReturnFalse() ([]byte, error) {
	return hostileToken.abi.Pack("returnFalse")
}

// UnpackReturnFalse is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x29c14766.
//
// Solidity: function returnFalse() view returns(bool)
func (hostileToken *HostileToken) UnpackReturnFalse(data []byte) (bool, error) {
	out, err := hostileToken.abi.Unpack("returnFalse", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackReturnNothing is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x83450770.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function returnNothing() view returns(bool)
func (hostileToken *HostileToken) PackReturnNothing() []byte {
	enc, err := hostileToken.abi.Pack("returnNothing")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackReturnNothing is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x83450770.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function returnNothing() view returns(bool)
func (hostileToken *HostileToken) TryPackReturnNothing() ([]byte, error) {
	return hostileToken.abi.Pack("returnNothing")
}

// UnpackReturnNothing is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x83450770.
//
// Solidity: function returnNothing() view returns(bool)
func (hostileToken *HostileToken) UnpackReturnNothing(data []byte) (bool, error) {
	out, err := hostileToken.abi.Unpack("returnNothing", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackSetAttack is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xc4a86c6e.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function setAttack(address target, bytes data, bool bubble) returns()
func (hostileToken *HostileToken) PackSetAttack(target common.Address, data []byte, bubble bool) []byte {
	enc, err := hostileToken.abi.Pack("setAttack", target, data, bubble)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSetAttack is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xc4a86c6e.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function setAttack(address target, bytes data, bool bubble) returns()
func (hostileToken *HostileToken) TryPackSetAttack(target common.Address, data []byte, bubble bool) ([]byte, error) {
	return hostileToken.abi.Pack("setAttack", target, data, bubble)
}

// PackSetReturn is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf7068643.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function setReturn(bool nothing, bool fail) returns()
func (hostileToken *HostileToken) PackSetReturn(nothing bool, fail bool) []byte {
	enc, err := hostileToken.abi.Pack("setReturn", nothing, fail)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSetReturn is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf7068643.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function setReturn(bool nothing, bool fail) returns()
func (hostileToken *HostileToken) TryPackSetReturn(nothing bool, fail bool) ([]byte, error) {
	return hostileToken.abi.Pack("setReturn", nothing, fail)
}

// PackTransfer is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xa9059cbb.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function transfer(address to, uint256 amount) returns(bool)
func (hostileToken *HostileToken) PackTransfer(to common.Address, amount *big.Int) []byte {
	enc, err := hostileToken.abi.Pack("transfer", to, amount)
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
func (hostileToken *HostileToken) TryPackTransfer(to common.Address, amount *big.Int) ([]byte, error) {
	return hostileToken.abi.Pack("transfer", to, amount)
}

// UnpackTransfer is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xa9059cbb.
//
// Solidity: function transfer(address to, uint256 amount) returns(bool)
func (hostileToken *HostileToken) UnpackTransfer(data []byte) (bool, error) {
	out, err := hostileToken.abi.Unpack("transfer", data)
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
func (hostileToken *HostileToken) PackTransferFrom(from common.Address, to common.Address, amount *big.Int) []byte {
	enc, err := hostileToken.abi.Pack("transferFrom", from, to, amount)
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
func (hostileToken *HostileToken) TryPackTransferFrom(from common.Address, to common.Address, amount *big.Int) ([]byte, error) {
	return hostileToken.abi.Pack("transferFrom", from, to, amount)
}

// UnpackTransferFrom is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x23b872dd.
//
// Solidity: function transferFrom(address from, address to, uint256 amount) returns(bool)
func (hostileToken *HostileToken) UnpackTransferFrom(data []byte) (bool, error) {
	out, err := hostileToken.abi.Unpack("transferFrom", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// HostileTokenTransfer represents a Transfer event raised by the HostileToken contract.
type HostileTokenTransfer struct {
	From  common.Address
	To    common.Address
	Value *big.Int
	Raw   *types.Log // Blockchain specific contextual infos
}

const HostileTokenTransferEventName = "Transfer"

// ContractEventName returns the user-defined event name.
func (HostileTokenTransfer) ContractEventName() string {
	return HostileTokenTransferEventName
}

// UnpackTransferEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event Transfer(address indexed from, address indexed to, uint256 value)
func (hostileToken *HostileToken) UnpackTransferEvent(log *types.Log) (*HostileTokenTransfer, error) {
	event := "Transfer"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != hostileToken.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(HostileTokenTransfer)
	if len(log.Data) > 0 {
		if err := hostileToken.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range hostileToken.abi.Events[event].Inputs {
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
