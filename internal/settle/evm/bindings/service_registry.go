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

// ServiceRegistryService is an auto generated low-level Go binding around an user-defined struct.
type ServiceRegistryService struct {
	Terms     ServiceRegistryTerms
	UpdatedAt uint64
	Active    bool
}

// ServiceRegistryTerms is an auto generated low-level Go binding around an user-defined struct.
type ServiceRegistryTerms struct {
	Kind         string
	Price        *big.Int
	UnitPrice    *big.Int
	MaxUnits     uint64
	Verification string
	PeerId       string
}

// ServiceRegistryMetaData contains all meta data concerning the ServiceRegistry contract.
var ServiceRegistryMetaData = bind.MetaData{
	ABI: "[{\"inputs\":[],\"name\":\"BadField\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"BadName\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"NoPrice\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"NotRegistered\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"UnitsWithoutMax\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"provider\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"nameHash\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"components\":[{\"internalType\":\"string\",\"name\":\"kind\",\"type\":\"string\"},{\"internalType\":\"uint256\",\"name\":\"price\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"unitPrice\",\"type\":\"uint256\"},{\"internalType\":\"uint64\",\"name\":\"maxUnits\",\"type\":\"uint64\"},{\"internalType\":\"string\",\"name\":\"verification\",\"type\":\"string\"},{\"internalType\":\"string\",\"name\":\"peerId\",\"type\":\"string\"}],\"indexed\":false,\"internalType\":\"structServiceRegistry.Terms\",\"name\":\"terms\",\"type\":\"tuple\"}],\"name\":\"ServiceRegistered\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"provider\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"nameHash\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"}],\"name\":\"ServiceRemoved\",\"type\":\"event\"},{\"inputs\":[],\"name\":\"MAX_FIELD\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"MAX_NAME\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"MAX_PEER_ID\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"name\":\"activeCount\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"},{\"components\":[{\"internalType\":\"string\",\"name\":\"kind\",\"type\":\"string\"},{\"internalType\":\"uint256\",\"name\":\"price\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"unitPrice\",\"type\":\"uint256\"},{\"internalType\":\"uint64\",\"name\":\"maxUnits\",\"type\":\"uint64\"},{\"internalType\":\"string\",\"name\":\"verification\",\"type\":\"string\"},{\"internalType\":\"string\",\"name\":\"peerId\",\"type\":\"string\"}],\"internalType\":\"structServiceRegistry.Terms\",\"name\":\"t\",\"type\":\"tuple\"}],\"name\":\"register\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"}],\"name\":\"remove\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"provider\",\"type\":\"address\"},{\"internalType\":\"string\",\"name\":\"name\",\"type\":\"string\"}],\"name\":\"serviceOf\",\"outputs\":[{\"components\":[{\"components\":[{\"internalType\":\"string\",\"name\":\"kind\",\"type\":\"string\"},{\"internalType\":\"uint256\",\"name\":\"price\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"unitPrice\",\"type\":\"uint256\"},{\"internalType\":\"uint64\",\"name\":\"maxUnits\",\"type\":\"uint64\"},{\"internalType\":\"string\",\"name\":\"verification\",\"type\":\"string\"},{\"internalType\":\"string\",\"name\":\"peerId\",\"type\":\"string\"}],\"internalType\":\"structServiceRegistry.Terms\",\"name\":\"terms\",\"type\":\"tuple\"},{\"internalType\":\"uint64\",\"name\":\"updatedAt\",\"type\":\"uint64\"},{\"internalType\":\"bool\",\"name\":\"active\",\"type\":\"bool\"}],\"internalType\":\"structServiceRegistry.Service\",\"name\":\"\",\"type\":\"tuple\"}],\"stateMutability\":\"view\",\"type\":\"function\"}]",
	ID:  "ServiceRegistry",
	Bin: "0x6080604052348015600e575f5ffd5b50610f088061001c5f395ff3fe608060405234801561000f575f5ffd5b506004361061007a575f3560e01c8063756bf25411610058578063756bf254146100d857806377646fa9146100e057806380599e4b146100f557806385bca1c014610108575f5ffd5b806343fe5de21461007e5780635e2062a8146100995780636067ccd9146100b8575b5f5ffd5b610086608081565b6040519081526020015b60405180910390f35b6100866100a73660046107ea565b60016020525f908152604090205481565b6100cb6100c636600461084e565b610110565b60405161009091906108ca565b610086604081565b6100f36100ee366004610988565b61037e565b005b6100f36101033660046109f5565b6105dd565b610086601081565b610118610720565b6001600160a01b0384165f9081526020819052604080822090519091906101429086908690610a33565b604051809103902081526020019081526020015f206040518060600160405290815f82016040518060c00160405290815f8201805461018090610a42565b80601f01602080910402602001604051908101604052809291908181526020018280546101ac90610a42565b80156101f75780601f106101ce576101008083540402835291602001916101f7565b820191905f5260205f20905b8154815290600101906020018083116101da57829003601f168201915b5050509183525050600182015460208201526002820154604082015260038201546001600160401b0316606082015260048201805460809092019161023b90610a42565b80601f016020809104026020016040519081016040528092919081815260200182805461026790610a42565b80156102b25780601f10610289576101008083540402835291602001916102b2565b820191905f5260205f20905b81548152906001019060200180831161029557829003601f168201915b505050505081526020016005820180546102cb90610a42565b80601f01602080910402602001604051908101604052809291908181526020018280546102f790610a42565b80156103425780601f1061031957610100808354040283529160200191610342565b820191905f5260205f20905b81548152906001019060200180831161032557829003601f168201915b505050919092525050508152600691909101546001600160401b0381166020830152600160401b900460ff161515604090910152949350505050565b8180158061038c5750604081115b156103aa5760405163153736cd60e01b815260040160405180910390fd5b6103b48280610a7a565b159050806103cd575060106103c98380610a7a565b9050115b156103eb576040516331ff81f760e11b815260040160405180910390fd5b6103f86080830183610a7a565b15905080610414575060106104106080840184610a7a565b9050115b15610432576040516331ff81f760e11b815260040160405180910390fd5b61043f60a0830183610a7a565b1590508061045b5750608061045760a0840184610a7a565b9050115b15610479576040516331ff81f760e11b815260040160405180910390fd5b602082013515801561048d57506040820135155b156104ab5760405163c149905d60e01b815260040160405180910390fd5b5f82604001351180156104d457506104c96080830160608401610ad0565b6001600160401b0316155b156104f25760405163f29bf42160e01b815260040160405180910390fd5b5f8484604051610503929190610a33565b6040805191829003909120335f9081526020818152838220838352905291909120600681015491925090600160401b900460ff1661056257335f908152600160208190526040822080549192909161055c908490610aff565b90915550505b838161056e8282610c3d565b505060068101805468ffffffffffffffffff19166001600160401b03421617600160401b179055604051829033907f298d5965c230fcb84a48643880a10fe02f093c661cf35262fa7aa41e99aacecf906105cd908a908a908a90610de9565b60405180910390a3505050505050565b5f82826040516105ee929190610a33565b6040805191829003909120335f9081526020818152838220838352905291909120600681015491925090600160401b900460ff1661063f5760405163aba4733960e01b815260040160405180910390fd5b335f908152602081815260408083208584529091528120908181610663828261077d565b5f600183018190556002830181905560038301805467ffffffffffffffff1916905561069390600484019061077d565b6106a0600583015f61077d565b505050600601805468ffffffffffffffffff19169055335f90815260016020819052604082208054919290916106d7908490610ea4565b9091555050604051829033907f99c758127327af1f483015d213e082c49327d589dd2e3af06e16d34c22267511906107129088908890610eb7565b60405180910390a350505050565b604051806060016040528061076a6040518060c00160405280606081526020015f81526020015f81526020015f6001600160401b0316815260200160608152602001606081525090565b81525f6020820181905260409091015290565b50805461078990610a42565b5f825580601f10610798575050565b601f0160209004905f5260205f20908101906107b491906107b7565b50565b5b808211156107cb575f81556001016107b8565b5090565b80356001600160a01b03811681146107e5575f5ffd5b919050565b5f602082840312156107fa575f5ffd5b610803826107cf565b9392505050565b5f5f83601f84011261081a575f5ffd5b5081356001600160401b03811115610830575f5ffd5b602083019150836020828501011115610847575f5ffd5b9250929050565b5f5f5f60408486031215610860575f5ffd5b610869846107cf565b925060208401356001600160401b03811115610883575f5ffd5b61088f8682870161080a565b9497909650939450505050565b5f81518084528060208401602086015e5f602082860101526020601f19601f83011685010191505092915050565b602081525f825160606020840152805160c060808501526108ef61014085018261089c565b9050602082015160a0850152604082015160c08501526001600160401b0360608301511660e08501526080820151607f1985830301610100860152610934828261089c565b91505060a08201519150607f1984820301610120850152610955818361089c565b915050602084015161097260408501826001600160401b03169052565b5060408401518015156060850152509392505050565b5f5f5f6040848603121561099a575f5ffd5b83356001600160401b038111156109af575f5ffd5b6109bb8682870161080a565b90945092505060208401356001600160401b038111156109d9575f5ffd5b840160c081870312156109ea575f5ffd5b809150509250925092565b5f5f60208385031215610a06575f5ffd5b82356001600160401b03811115610a1b575f5ffd5b610a278582860161080a565b90969095509350505050565b818382375f9101908152919050565b600181811c90821680610a5657607f821691505b602082108103610a7457634e487b7160e01b5f52602260045260245ffd5b50919050565b5f5f8335601e19843603018112610a8f575f5ffd5b8301803591506001600160401b03821115610aa8575f5ffd5b602001915036819003821315610847575f5ffd5b6001600160401b03811681146107b4575f5ffd5b5f60208284031215610ae0575f5ffd5b813561080381610abc565b634e487b7160e01b5f52601160045260245ffd5b80820180821115610b1257610b12610aeb565b92915050565b634e487b7160e01b5f52604160045260245ffd5b601f821115610b7357805f5260205f20601f840160051c81016020851015610b515750805b601f840160051c820191505b81811015610b70575f8155600101610b5d565b50505b505050565b6001600160401b03831115610b8f57610b8f610b18565b610ba383610b9d8354610a42565b83610b2c565b5f601f841160018114610bd4575f8515610bbd5750838201355b5f19600387901b1c1916600186901b178355610b70565b5f83815260208120601f198716915b82811015610c035786850135825560209485019460019092019101610be3565b5086821015610c1f575f1960f88860031b161c19848701351681555b505060018560011b0183555050505050565b5f8135610b1281610abc565b610c478283610a7a565b6001600160401b03811115610c5e57610c5e610b18565b610c7281610c6c8554610a42565b85610b2c565b5f601f821160018114610ca3575f8315610c8c5750838201355b5f19600385901b1c1916600184901b178555610cfa565b5f85815260208120601f198516915b82811015610cd25786850135825560209485019460019092019101610cb2565b5084821015610cee575f1960f88660031b161c19848701351681555b505060018360011b0185555b505050506020820135600182015560408201356002820155610d42610d2160608401610c31565b600383016001600160401b0382166001600160401b03198254161781555050565b610d4f6080830183610a7a565b610d5d818360048601610b78565b5050610d6c60a0830183610a7a565b610d7a818360058601610b78565b50505050565b81835281816020850137505f828201602090810191909152601f909101601f19169091010190565b5f5f8335601e19843603018112610dbd575f5ffd5b83016020810192503590506001600160401b03811115610ddb575f5ffd5b803603821315610847575f5ffd5b604081525f610dfc604083018587610d80565b8281036020840152610e0e8485610da8565b60c08352610e2060c084018284610d80565b60208781013590850152604080880135908501529150506060850135610e4581610abc565b6001600160401b03166060830152610e606080860186610da8565b8383036080850152610e73838284610d80565b92505050610e8460a0860186610da8565b83830360a0850152610e97838284610d80565b9998505050505050505050565b81810381811115610b1257610b12610aeb565b602081525f610eca602083018486610d80565b94935050505056fea2646970667358221220405f75c8191c7358bb852cefc550f4d3001455c5129fc78974bf69071ac0b67264736f6c634300081c0033",
}

// ServiceRegistry is an auto generated Go binding around an Ethereum contract.
type ServiceRegistry struct {
	abi abi.ABI
}

// GetABI returns the ABI associated with this contract binding.
func (c *ServiceRegistry) GetABI() abi.ABI {
	return c.abi
}

// NewServiceRegistry creates a new instance of ServiceRegistry.
func NewServiceRegistry() *ServiceRegistry {
	parsed, err := ServiceRegistryMetaData.ParseABI()
	if err != nil {
		panic(errors.New("invalid ABI: " + err.Error()))
	}
	return &ServiceRegistry{abi: *parsed}
}

// Instance creates a wrapper for a deployed contract instance at the given address.
// Use this to create the instance object passed to abigen v2 library functions Call, Transact, etc.
func (c *ServiceRegistry) Instance(backend bind.ContractBackend, addr common.Address) *bind.BoundContract {
	return bind.NewBoundContract(addr, c.abi, backend, backend, backend)
}

// PackMAXFIELD is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x85bca1c0.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function MAX_FIELD() view returns(uint256)
func (serviceRegistry *ServiceRegistry) PackMAXFIELD() []byte {
	enc, err := serviceRegistry.abi.Pack("MAX_FIELD")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackMAXFIELD is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x85bca1c0.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function MAX_FIELD() view returns(uint256)
func (serviceRegistry *ServiceRegistry) TryPackMAXFIELD() ([]byte, error) {
	return serviceRegistry.abi.Pack("MAX_FIELD")
}

// UnpackMAXFIELD is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x85bca1c0.
//
// Solidity: function MAX_FIELD() view returns(uint256)
func (serviceRegistry *ServiceRegistry) UnpackMAXFIELD(data []byte) (*big.Int, error) {
	out, err := serviceRegistry.abi.Unpack("MAX_FIELD", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackMAXNAME is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x756bf254.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function MAX_NAME() view returns(uint256)
func (serviceRegistry *ServiceRegistry) PackMAXNAME() []byte {
	enc, err := serviceRegistry.abi.Pack("MAX_NAME")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackMAXNAME is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x756bf254.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function MAX_NAME() view returns(uint256)
func (serviceRegistry *ServiceRegistry) TryPackMAXNAME() ([]byte, error) {
	return serviceRegistry.abi.Pack("MAX_NAME")
}

// UnpackMAXNAME is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x756bf254.
//
// Solidity: function MAX_NAME() view returns(uint256)
func (serviceRegistry *ServiceRegistry) UnpackMAXNAME(data []byte) (*big.Int, error) {
	out, err := serviceRegistry.abi.Unpack("MAX_NAME", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackMAXPEERID is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x43fe5de2.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function MAX_PEER_ID() view returns(uint256)
func (serviceRegistry *ServiceRegistry) PackMAXPEERID() []byte {
	enc, err := serviceRegistry.abi.Pack("MAX_PEER_ID")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackMAXPEERID is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x43fe5de2.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function MAX_PEER_ID() view returns(uint256)
func (serviceRegistry *ServiceRegistry) TryPackMAXPEERID() ([]byte, error) {
	return serviceRegistry.abi.Pack("MAX_PEER_ID")
}

// UnpackMAXPEERID is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x43fe5de2.
//
// Solidity: function MAX_PEER_ID() view returns(uint256)
func (serviceRegistry *ServiceRegistry) UnpackMAXPEERID(data []byte) (*big.Int, error) {
	out, err := serviceRegistry.abi.Unpack("MAX_PEER_ID", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackActiveCount is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x5e2062a8.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function activeCount(address ) view returns(uint256)
func (serviceRegistry *ServiceRegistry) PackActiveCount(arg0 common.Address) []byte {
	enc, err := serviceRegistry.abi.Pack("activeCount", arg0)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackActiveCount is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x5e2062a8.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function activeCount(address ) view returns(uint256)
func (serviceRegistry *ServiceRegistry) TryPackActiveCount(arg0 common.Address) ([]byte, error) {
	return serviceRegistry.abi.Pack("activeCount", arg0)
}

// UnpackActiveCount is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x5e2062a8.
//
// Solidity: function activeCount(address ) view returns(uint256)
func (serviceRegistry *ServiceRegistry) UnpackActiveCount(data []byte) (*big.Int, error) {
	out, err := serviceRegistry.abi.Unpack("activeCount", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackRegister is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x77646fa9.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function register(string name, (string,uint256,uint256,uint64,string,string) t) returns()
func (serviceRegistry *ServiceRegistry) PackRegister(name string, t ServiceRegistryTerms) []byte {
	enc, err := serviceRegistry.abi.Pack("register", name, t)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackRegister is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x77646fa9.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function register(string name, (string,uint256,uint256,uint64,string,string) t) returns()
func (serviceRegistry *ServiceRegistry) TryPackRegister(name string, t ServiceRegistryTerms) ([]byte, error) {
	return serviceRegistry.abi.Pack("register", name, t)
}

// PackRemove is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x80599e4b.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function remove(string name) returns()
func (serviceRegistry *ServiceRegistry) PackRemove(name string) []byte {
	enc, err := serviceRegistry.abi.Pack("remove", name)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackRemove is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x80599e4b.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function remove(string name) returns()
func (serviceRegistry *ServiceRegistry) TryPackRemove(name string) ([]byte, error) {
	return serviceRegistry.abi.Pack("remove", name)
}

// PackServiceOf is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x6067ccd9.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function serviceOf(address provider, string name) view returns(((string,uint256,uint256,uint64,string,string),uint64,bool))
func (serviceRegistry *ServiceRegistry) PackServiceOf(provider common.Address, name string) []byte {
	enc, err := serviceRegistry.abi.Pack("serviceOf", provider, name)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackServiceOf is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x6067ccd9.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function serviceOf(address provider, string name) view returns(((string,uint256,uint256,uint64,string,string),uint64,bool))
func (serviceRegistry *ServiceRegistry) TryPackServiceOf(provider common.Address, name string) ([]byte, error) {
	return serviceRegistry.abi.Pack("serviceOf", provider, name)
}

// UnpackServiceOf is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x6067ccd9.
//
// Solidity: function serviceOf(address provider, string name) view returns(((string,uint256,uint256,uint64,string,string),uint64,bool))
func (serviceRegistry *ServiceRegistry) UnpackServiceOf(data []byte) (ServiceRegistryService, error) {
	out, err := serviceRegistry.abi.Unpack("serviceOf", data)
	if err != nil {
		return *new(ServiceRegistryService), err
	}
	out0 := *abi.ConvertType(out[0], new(ServiceRegistryService)).(*ServiceRegistryService)
	return out0, nil
}

// ServiceRegistryServiceRegistered represents a ServiceRegistered event raised by the ServiceRegistry contract.
type ServiceRegistryServiceRegistered struct {
	Provider common.Address
	NameHash [32]byte
	Name     string
	Terms    ServiceRegistryTerms
	Raw      *types.Log // Blockchain specific contextual infos
}

const ServiceRegistryServiceRegisteredEventName = "ServiceRegistered"

// ContractEventName returns the user-defined event name.
func (ServiceRegistryServiceRegistered) ContractEventName() string {
	return ServiceRegistryServiceRegisteredEventName
}

// UnpackServiceRegisteredEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event ServiceRegistered(address indexed provider, bytes32 indexed nameHash, string name, (string,uint256,uint256,uint64,string,string) terms)
func (serviceRegistry *ServiceRegistry) UnpackServiceRegisteredEvent(log *types.Log) (*ServiceRegistryServiceRegistered, error) {
	event := "ServiceRegistered"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != serviceRegistry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(ServiceRegistryServiceRegistered)
	if len(log.Data) > 0 {
		if err := serviceRegistry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range serviceRegistry.abi.Events[event].Inputs {
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

// ServiceRegistryServiceRemoved represents a ServiceRemoved event raised by the ServiceRegistry contract.
type ServiceRegistryServiceRemoved struct {
	Provider common.Address
	NameHash [32]byte
	Name     string
	Raw      *types.Log // Blockchain specific contextual infos
}

const ServiceRegistryServiceRemovedEventName = "ServiceRemoved"

// ContractEventName returns the user-defined event name.
func (ServiceRegistryServiceRemoved) ContractEventName() string {
	return ServiceRegistryServiceRemovedEventName
}

// UnpackServiceRemovedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event ServiceRemoved(address indexed provider, bytes32 indexed nameHash, string name)
func (serviceRegistry *ServiceRegistry) UnpackServiceRemovedEvent(log *types.Log) (*ServiceRegistryServiceRemoved, error) {
	event := "ServiceRemoved"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != serviceRegistry.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(ServiceRegistryServiceRemoved)
	if len(log.Data) > 0 {
		if err := serviceRegistry.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range serviceRegistry.abi.Events[event].Inputs {
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
func (serviceRegistry *ServiceRegistry) UnpackError(raw []byte) (any, error) {
	if bytes.Equal(raw[:4], serviceRegistry.abi.Errors["BadField"].ID.Bytes()[:4]) {
		return serviceRegistry.UnpackBadFieldError(raw[4:])
	}
	if bytes.Equal(raw[:4], serviceRegistry.abi.Errors["BadName"].ID.Bytes()[:4]) {
		return serviceRegistry.UnpackBadNameError(raw[4:])
	}
	if bytes.Equal(raw[:4], serviceRegistry.abi.Errors["NoPrice"].ID.Bytes()[:4]) {
		return serviceRegistry.UnpackNoPriceError(raw[4:])
	}
	if bytes.Equal(raw[:4], serviceRegistry.abi.Errors["NotRegistered"].ID.Bytes()[:4]) {
		return serviceRegistry.UnpackNotRegisteredError(raw[4:])
	}
	if bytes.Equal(raw[:4], serviceRegistry.abi.Errors["UnitsWithoutMax"].ID.Bytes()[:4]) {
		return serviceRegistry.UnpackUnitsWithoutMaxError(raw[4:])
	}
	return nil, errors.New("Unknown error")
}

// ServiceRegistryBadField represents a BadField error raised by the ServiceRegistry contract.
type ServiceRegistryBadField struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error BadField()
func ServiceRegistryBadFieldErrorID() common.Hash {
	return common.HexToHash("0x63ff03eeb8e6a9dd11dfe2a310826848072b417e593621cff7f007ef03c7d4f9")
}

// UnpackBadFieldError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error BadField()
func (serviceRegistry *ServiceRegistry) UnpackBadFieldError(raw []byte) (*ServiceRegistryBadField, error) {
	out := new(ServiceRegistryBadField)
	if err := serviceRegistry.abi.UnpackIntoInterface(out, "BadField", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ServiceRegistryBadName represents a BadName error raised by the ServiceRegistry contract.
type ServiceRegistryBadName struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error BadName()
func ServiceRegistryBadNameErrorID() common.Hash {
	return common.HexToHash("0x153736cdc513f7b7c5a7b4bce0c42036e1e7c69bb09e8a4356571ad5f4c69737")
}

// UnpackBadNameError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error BadName()
func (serviceRegistry *ServiceRegistry) UnpackBadNameError(raw []byte) (*ServiceRegistryBadName, error) {
	out := new(ServiceRegistryBadName)
	if err := serviceRegistry.abi.UnpackIntoInterface(out, "BadName", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ServiceRegistryNoPrice represents a NoPrice error raised by the ServiceRegistry contract.
type ServiceRegistryNoPrice struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NoPrice()
func ServiceRegistryNoPriceErrorID() common.Hash {
	return common.HexToHash("0xc149905dda13af354045881ad919e3f48b370c64a51701bd9b884c5934c19152")
}

// UnpackNoPriceError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NoPrice()
func (serviceRegistry *ServiceRegistry) UnpackNoPriceError(raw []byte) (*ServiceRegistryNoPrice, error) {
	out := new(ServiceRegistryNoPrice)
	if err := serviceRegistry.abi.UnpackIntoInterface(out, "NoPrice", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ServiceRegistryNotRegistered represents a NotRegistered error raised by the ServiceRegistry contract.
type ServiceRegistryNotRegistered struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NotRegistered()
func ServiceRegistryNotRegisteredErrorID() common.Hash {
	return common.HexToHash("0xaba47339dbaad712368e6665e6e6eade636ab60e9b7dba037407409b19d7a053")
}

// UnpackNotRegisteredError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NotRegistered()
func (serviceRegistry *ServiceRegistry) UnpackNotRegisteredError(raw []byte) (*ServiceRegistryNotRegistered, error) {
	out := new(ServiceRegistryNotRegistered)
	if err := serviceRegistry.abi.UnpackIntoInterface(out, "NotRegistered", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ServiceRegistryUnitsWithoutMax represents a UnitsWithoutMax error raised by the ServiceRegistry contract.
type ServiceRegistryUnitsWithoutMax struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error UnitsWithoutMax()
func ServiceRegistryUnitsWithoutMaxErrorID() common.Hash {
	return common.HexToHash("0xf29bf4218195e83a4ff10f4ce20351543f349e3e5ed434d73488ba242c833081")
}

// UnpackUnitsWithoutMaxError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error UnitsWithoutMax()
func (serviceRegistry *ServiceRegistry) UnpackUnitsWithoutMaxError(raw []byte) (*ServiceRegistryUnitsWithoutMax, error) {
	out := new(ServiceRegistryUnitsWithoutMax)
	if err := serviceRegistry.abi.UnpackIntoInterface(out, "UnitsWithoutMax", raw); err != nil {
		return nil, err
	}
	return out, nil
}
