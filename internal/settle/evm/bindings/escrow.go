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

// EscrowChannel is an auto generated low-level Go binding around an user-defined struct.
type EscrowChannel struct {
	Balance        *big.Int
	Claimed        *big.Int
	Paid           *big.Int
	WithdrawAmount *big.Int
	WithdrawAt     *big.Int
}

// EscrowStake is an auto generated low-level Go binding around an user-defined struct.
type EscrowStake struct {
	Amount        *big.Int
	UnstakeAmount *big.Int
	UnstakeAt     *big.Int
}

// EscrowMetaData contains all meta data concerning the Escrow contract.
var EscrowMetaData = bind.MetaData{
	ABI: "[{\"inputs\":[{\"internalType\":\"address\",\"name\":\"token_\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"withdrawDelay_\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"unstakeDelay_\",\"type\":\"uint256\"},{\"internalType\":\"address[]\",\"name\":\"validators_\",\"type\":\"address[]\"},{\"internalType\":\"uint256\",\"name\":\"quorum_\",\"type\":\"uint256\"}],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"quorum\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"validators\",\"type\":\"uint256\"}],\"name\":\"BadQuorum\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"disputeId\",\"type\":\"bytes32\"}],\"name\":\"DisputeUsed\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"validator\",\"type\":\"address\"}],\"name\":\"DuplicateValidator\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"stake\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"needed\",\"type\":\"uint256\"}],\"name\":\"InsufficientStake\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"InvalidSignature\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"MalleableSignature\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"NoUnstakeRequest\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"NoWithdrawRequest\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"token\",\"type\":\"address\"}],\"name\":\"NotAContract\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"caller\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"provider\",\"type\":\"address\"}],\"name\":\"NotProvider\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"Reentrancy\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"SlashingDisabled\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"valid\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"quorum\",\"type\":\"uint256\"}],\"name\":\"TooFewSignatures\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"count\",\"type\":\"uint256\"}],\"name\":\"TooManyValidators\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"TransferFailed\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"signer\",\"type\":\"address\"}],\"name\":\"UnknownValidator\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"availableAt\",\"type\":\"uint256\"}],\"name\":\"UnstakeTooEarly\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"cumulativeAmount\",\"type\":\"uint256\"}],\"name\":\"VoucherReplayed\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"cumulativeAmount\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"claimed\",\"type\":\"uint256\"}],\"name\":\"VoucherTooLow\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"availableAt\",\"type\":\"uint256\"}],\"name\":\"WithdrawTooEarly\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"signer\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"expected\",\"type\":\"address\"}],\"name\":\"WrongSigner\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ZeroAddress\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ZeroAmount\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"requester\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"provider\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"balance\",\"type\":\"uint256\"}],\"name\":\"Deposited\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"requester\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"provider\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"cumulativeAmount\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"paid\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"owed\",\"type\":\"uint256\"}],\"name\":\"Redeemed\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"provider\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"disputeId\",\"type\":\"bytes32\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"beneficiary\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"Slashed\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"provider\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"total\",\"type\":\"uint256\"}],\"name\":\"Staked\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"provider\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"availableAt\",\"type\":\"uint256\"}],\"name\":\"UnstakeRequested\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"provider\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"Unstaked\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"requester\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"provider\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"availableAt\",\"type\":\"uint256\"}],\"name\":\"WithdrawRequested\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"requester\",\"type\":\"address\"},{\"indexed\":true,\"internalType\":\"address\",\"name\":\"provider\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"Withdrawn\",\"type\":\"event\"},{\"inputs\":[],\"name\":\"DOMAIN_TYPEHASH\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"MAX_VALIDATORS\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"VERDICT_TYPEHASH\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"VOUCHER_TYPEHASH\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"requester\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"provider\",\"type\":\"address\"}],\"name\":\"channel\",\"outputs\":[{\"components\":[{\"internalType\":\"uint256\",\"name\":\"balance\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"claimed\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"paid\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"withdrawAmount\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"withdrawAt\",\"type\":\"uint256\"}],\"internalType\":\"structEscrow.Channel\",\"name\":\"\",\"type\":\"tuple\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"provider\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"deposit\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"name\":\"disputeUsed\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"domainSeparator\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"account\",\"type\":\"address\"}],\"name\":\"isValidator\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"quorum\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"requester\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"provider\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"cumulativeAmount\",\"type\":\"uint256\"},{\"internalType\":\"bytes\",\"name\":\"signature\",\"type\":\"bytes\"}],\"name\":\"redeem\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"requestUnstake\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"provider\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"requestWithdraw\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"provider\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"},{\"internalType\":\"bytes32\",\"name\":\"disputeId\",\"type\":\"bytes32\"},{\"internalType\":\"address\",\"name\":\"beneficiary\",\"type\":\"address\"},{\"internalType\":\"bytes[]\",\"name\":\"signatures\",\"type\":\"bytes[]\"}],\"name\":\"slash\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"}],\"name\":\"stake\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"provider\",\"type\":\"address\"}],\"name\":\"stakes\",\"outputs\":[{\"components\":[{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"unstakeAmount\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"unstakeAt\",\"type\":\"uint256\"}],\"internalType\":\"structEscrow.Stake\",\"name\":\"\",\"type\":\"tuple\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"token\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"unstake\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"unstakeDelay\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"validators\",\"outputs\":[{\"internalType\":\"address[]\",\"name\":\"\",\"type\":\"address[]\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"provider\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"amount\",\"type\":\"uint256\"},{\"internalType\":\"bytes32\",\"name\":\"disputeId\",\"type\":\"bytes32\"},{\"internalType\":\"address\",\"name\":\"beneficiary\",\"type\":\"address\"}],\"name\":\"verdictDigest\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"requester\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"provider\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"cumulativeAmount\",\"type\":\"uint256\"}],\"name\":\"voucherDigest\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"provider\",\"type\":\"address\"}],\"name\":\"withdraw\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"withdrawDelay\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"}]",
	ID:  "Escrow",
	Bin: "0x6101406040526001600555348015610015575f5ffd5b50604051611e2c380380611e2c833981016040819052610034916102ee565b846001600160a01b03163b5f0361006e576040516322a2d07b60e21b81526001600160a01b03861660048201526024015b60405180910390fd5b6101008251111561009757815160405163628fb2b960e01b815260040161006591815260200190565b81518111806100a95750815115811514155b156100d4578151604051638aeaa69b60e01b8152610065918391600401918252602082015260400190565b5f5b82518110156101e7575f8382815181106100f2576100f26103e8565b602002602001015190505f6001600160a01b0316816001600160a01b03160361012e5760405163d92e233d60e01b815260040160405180910390fd5b6001600160a01b0381165f908152600160205260409020541561016f5760405163107f863360e21b81526001600160a01b0382166004820152602401610065565b5f8054600180820183559180527f290decd9548b62a8d60345a988386fc84ba6bc95484008f6362f93160ef3e5630180546001600160a01b0319166001600160a01b0384161790556101c29083906103fc565b6001600160a01b039091165f90815260016020819052604090912091909155016100d6565b506001600160a01b03851660805260a084905260c083905260e081905246610100526102b0604080517f8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f60208201527f80f020e5210797a026f50ba8b7f083bd49f8344797a2a97ee1640f7ab7ddb175918101919091527fc89efdaa54c0f20c7adf612882df0950f5a951637e0307cdcb4c672f298b8bc660608201524660808201523060a08201525f9060c00160405160208183030381529060405280519060200120905090565b61012052506104219350505050565b80516001600160a01b03811681146102d5575f5ffd5b919050565b634e487b7160e01b5f52604160045260245ffd5b5f5f5f5f5f60a08688031215610302575f5ffd5b61030b866102bf565b60208701516040880151606089015192975090955093506001600160401b03811115610335575f5ffd5b8601601f81018813610345575f5ffd5b80516001600160401b0381111561035e5761035e6102da565b604051600582901b90603f8201601f191681016001600160401b038111828210171561038c5761038c6102da565b60405291825260208184018101929081018b8411156103a9575f5ffd5b6020850194505b838510156103cf576103c1856102bf565b8152602094850194016103b0565b5060809990990151979a96995094979695945050505050565b634e487b7160e01b5f52603260045260245ffd5b8082018082111561041b57634e487b7160e01b5f52601160045260245ffd5b92915050565b60805160a05160c05160e051610100516101205161199a6104925f395f61126701525f61119301525f81816101cb01528181610ded01528181610fc8015261100401525f818161028a015261054601525f818161015c01526107db01525f818161041901526114db015261199a5ff3fe608060405234801561000f575f5ffd5b5060043610610153575f3560e01c806351cff8d9116100bf578063ca1e781911610079578063ca1e781914610388578063d4df530e1461039d578063e3edc638146103b0578063f698da25146103e2578063facd743b146103ea578063fc0c546a14610414575f5ffd5b806351cff8d9146102f8578063714897df1461030b57806375cb5f3d1461031457806394739e871461033b578063a694fc3a14610362578063c3af7f6114610375575f5ffd5b80632def6620116101105780632def66201461027d5780633222012f14610285578063397a1b28146102ac5780633ce3b521146102bf57806347e7ef24146102d25780634a41505c146102e5575f5ffd5b80630288a39c1461015757806316934fc4146101915780631703a018146101c657806320606b70146101ed57806323095721146102145780632b10eefa14610229575b5f5ffd5b61017e7f000000000000000000000000000000000000000000000000000000000000000081565b6040519081526020015b60405180910390f35b6101a461019f3660046115ca565b610453565b6040805182518152602080840151908201529181015190820152606001610188565b61017e7f000000000000000000000000000000000000000000000000000000000000000081565b61017e7f8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f81565b6102276102223660046115ea565b6104b5565b005b61023c610237366004611601565b6105c1565b60405161018891905f60a082019050825182526020830151602083015260408301516040830152606083015160608301526080830151608083015292915050565b610227610655565b61017e7f000000000000000000000000000000000000000000000000000000000000000081565b6102276102ba366004611632565b61076a565b6102276102cd36600461165a565b610862565b6102276102e0366004611632565b610a61565b61017e6102f33660046116ef565b610b5f565b6102276103063660046115ca565b610bd7565b61017e61010081565b61017e7f48f07a360ef7291318eb455e12407f8f5d901bd66431fbc2aa202d7280e1a4f381565b61017e7fc45b98c7254e431c52bc92421cdf8bf8d8011d3ec1e0b1ac7460a4c8d498831881565b6102276103703660046115ea565b610cfd565b610227610383366004611729565b610dc3565b6103906110c8565b60405161018891906117cd565b61017e6103ab366004611818565b611127565b6103d26103be3660046115ea565b60046020525f908152604090205460ff1681565b6040519015158152602001610188565b61017e611190565b6103d26103f83660046115ca565b6001600160a01b03165f90815260016020526040902054151590565b61043b7f000000000000000000000000000000000000000000000000000000000000000081565b6040516001600160a01b039091168152602001610188565b61047460405180606001604052805f81526020015f81526020015f81525090565b506001600160a01b03165f90815260036020908152604091829020825160608101845281548152600182015492810192909252600201549181019190915290565b6005546001146104d85760405163558a1e0360e11b815260040160405180910390fd5b60026005555f8190036104fe57604051631f2a200560e01b815260040160405180910390fd5b335f90815260036020526040902080548211156105405780546040516322df051360e11b81526004810191909152602481018390526044015b60405180910390fd5b5f61056b7f00000000000000000000000000000000000000000000000000000000000000004261186f565b6001830184905560028301819055604080518581526020810183905291925033917f57e41df54512c76148b5ba9b643d149752b0d35e493b969bd017d0a3fe5228cf910160405180910390a25050600160055550565b6105ee6040518060a001604052805f81526020015f81526020015f81526020015f81526020015f81525090565b506001600160a01b038083165f908152600260208181526040808420948616845293815291839020835160a0810185528154815260018201549381019390935290810154928201929092526003820154606082015260049091015460808201525b92915050565b6005546001146106785760405163558a1e0360e11b815260040160405180910390fd5b6002600555335f908152600360205260408120600181015490918190036106b2576040516316f68e4b60e01b815260040160405180910390fd5b81600201544210156106df57816002015460405163dca4701560e01b815260040161053791815260200190565b81545f9082106106f05782546106f2565b815b5f600185018190556002850181905584549192508291859190610716908490611882565b909155505060405181815233907f0f5bb82176feb1b5e747e28471aa92156a04d9f3ab9f45f28e2d704232b93f759060200160405180910390a28015610760576107603382611289565b5050600160055550565b60055460011461078d5760405163558a1e0360e11b815260040160405180910390fd5b60026005555f8190036107b357604051631f2a200560e01b815260040160405180910390fd5b335f9081526002602090815260408083206001600160a01b03861684529091528120906108007f00000000000000000000000000000000000000000000000000000000000000004261186f565b600383018490556004830181905560408051858152602081018390529192506001600160a01b0386169133917f8fa53c657d42560b16de22b6a3c450f4a27a432c64f8549a2e7084926f2c34ab910160405180910390a3505060016005555050565b6005546001146108855760405163558a1e0360e11b815260040160405180910390fd5b6002600555336001600160a01b038516146108c457604051630d12c24160e21b81523360048201526001600160a01b0385166024820152604401610537565b6001600160a01b038086165f9081526002602081815260408084209489168452939052919020600181015491810154909190818610156109215760405163321fbc1f60e11b81526004810187905260248101839052604401610537565b80861161094457604051630d379f5b60e21b815260048101879052602401610537565b5f61095a6109538a8a8a610b5f565b87876112e5565b9050886001600160a01b0316816001600160a01b0316146109a15760405163366d29f760e01b81526001600160a01b0380831660048301528a166024820152604401610537565b5f6109ac8389611882565b85549091505f8183106109bf57816109c1565b825b600188018b905590506109d4818661186f565b60028801556109e38183611882565b87556001600160a01b03808c16908d167f764aeeb2d1ec3f2945d6486e2f7e3fae9ac5fe11aa56b7a9d90c92212e33050c8c84610a208189611882565b6040805193845260208401929092529082015260600160405180910390a38015610a4e57610a4e8b82611289565b5050600160055550505050505050505050565b600554600114610a845760405163558a1e0360e11b815260040160405180910390fd5b60026005555f819003610aaa57604051631f2a200560e01b815260040160405180910390fd5b6001600160a01b038216610ad15760405163d92e233d60e01b815260040160405180910390fd5b335f9081526002602090815260408083206001600160a01b03861684529091528120805490918391839190610b0790849061186f565b909155505080546040805184815260208101929092526001600160a01b0385169133917ff5681f9d0db1b911ac18ee83d515a1cf1051853a9eae418316a2fdf7dea427c5910160405180910390a36107603383611460565b604080517fc45b98c7254e431c52bc92421cdf8bf8d8011d3ec1e0b1ac7460a4c8d498831860208201526001600160a01b03808616928201929092529083166060820152608081018290525f90610bcf9060a0015b60405160208183030381529060405280519060200120611491565b949350505050565b600554600114610bfa5760405163558a1e0360e11b815260040160405180910390fd5b60026005819055335f908152602091825260408082206001600160a01b038516835290925290812060038101549091819003610c495760405163a124d31760e01b815260040160405180910390fd5b8160040154421015610c745760048281015460405163ae95eec360e01b815291820152602401610537565b81545f818310610c845781610c86565b825b5f6003860181905560048601559050610c9f8183611882565b84556040518181526001600160a01b0386169033907fd1c19fbcd4551a5edfb66d43d2e337c04837afda3482b42bdf569a8fccdae5fb9060200160405180910390a38015610cf157610cf13382611289565b50506001600555505050565b600554600114610d205760405163558a1e0360e11b815260040160405180910390fd5b60026005555f819003610d4657604051631f2a200560e01b815260040160405180910390fd5b335f908152600360205260408120805490918391839190610d6890849061186f565b9091555050805460405133917f1449c6dd7851abc30abf37f57715f492010519147cc2652fbc38202c18a6ee9091610da891868252602082015260400190565b60405180910390a2610dba3383611460565b50506001600555565b600554600114610de65760405163558a1e0360e11b815260040160405180910390fd5b60026005557f00000000000000000000000000000000000000000000000000000000000000005f03610e2b576040516358bd268760e11b815260040160405180910390fd5b845f03610e4b57604051631f2a200560e01b815260040160405180910390fd5b6001600160a01b038316610e725760405163d92e233d60e01b815260040160405180910390fd5b5f8481526004602052604090205460ff1615610ea457604051636492e71960e11b815260048101859052602401610537565b6001600160a01b0386165f9081526003602052604090208054861115610eea5780546040516322df051360e11b8152600481019190915260248101879052604401610537565b5f610ef788888888611127565b90505f805b84811015610fc5575f610f3284888885818110610f1b57610f1b611895565b9050602002810190610f2d91906118a9565b6112e5565b6001600160a01b0381165f90815260016020526040812054919250819003610f78576040516374f66b9760e01b81526001600160a01b0383166004820152602401610537565b5f610f84600183611882565b6001901b905084811615610fb65760405163107f863360e21b81526001600160a01b0384166004820152602401610537565b93909317925050600101610efc565b507f0000000000000000000000000000000000000000000000000000000000000000841015611030576040516359b8466f60e01b8152600481018590527f00000000000000000000000000000000000000000000000000000000000000006024820152604401610537565b5f878152600460205260408120805460ff19166001179055835489918591611059908490611882565b92505081905550856001600160a01b0316878a6001600160a01b03167f169d2c2c935a5a93f90f8731f37c845d8e9b07ea0e5b2b48c59e57f4a1854f3c8b6040516110a691815260200190565b60405180910390a46110b88689611289565b5050600160055550505050505050565b60605f80548060200260200160405190810160405280929190818152602001828054801561111d57602002820191905f5260205f20905b81546001600160a01b031681526001909101906020018083116110ff575b5050505050905090565b604080517f48f07a360ef7291318eb455e12407f8f5d901bd66431fbc2aa202d7280e1a4f360208201526001600160a01b0380871692820192909252606081018590526080810184905290821660a08201525f906111879060c001610bb4565b95945050505050565b5f7f000000000000000000000000000000000000000000000000000000000000000046146112645761125f604080517f8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f60208201527f80f020e5210797a026f50ba8b7f083bd49f8344797a2a97ee1640f7ab7ddb175918101919091527fc89efdaa54c0f20c7adf612882df0950f5a951637e0307cdcb4c672f298b8bc660608201524660808201523060a08201525f9060c00160405160208183030381529060405280519060200120905090565b905090565b507f000000000000000000000000000000000000000000000000000000000000000090565b6040516001600160a01b0383166024820152604481018290526112e19063a9059cbb906064015b6040516020818303038152906040529060e01b6020820180516001600160e01b0383818316178352505050506114d7565b5050565b5f6041821461130757604051638baa579f60e01b815260040160405180910390fd5b5f61131560208285876118f3565b61131e9161191a565b90505f61132f6040602086886118f3565b6113389161191a565b90505f8585604081811061134e5761134e611895565b919091013560f81c9150507f7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a082111561139a5760405163f0ad0d0960e01b815260040160405180910390fd5b8060ff16601b141580156113b257508060ff16601c14155b156113d05760405163f0ad0d0960e01b815260040160405180910390fd5b604080515f808252602082018084528a905260ff841692820192909252606081018590526080810184905260019060a0016020604051602081039080840390855afa158015611421573d5f5f3e3d5ffd5b5050604051601f1901519150506001600160a01b03811661145557604051638baa579f60e01b815260040160405180910390fd5b979650505050505050565b6040516001600160a01b0383166024820152306044820152606481018290526112e1906323b872dd906084016112b0565b5f61149a611190565b60405161190160f01b6020820152602281019190915260428101839052606201604051602081830303815290604052805190602001209050919050565b5f5f7f00000000000000000000000000000000000000000000000000000000000000006001600160a01b0316836040516115119190611937565b5f604051808303815f865af19150503d805f811461154a576040519150601f19603f3d011682016040523d82523d5f602084013e61154f565b606091505b509150915081158061158c575080511580159061158c57508051602014158061158c575080806020019051810190611587919061194d565b600114155b156115aa576040516312171d8360e31b815260040160405180910390fd5b505050565b80356001600160a01b03811681146115c5575f5ffd5b919050565b5f602082840312156115da575f5ffd5b6115e3826115af565b9392505050565b5f602082840312156115fa575f5ffd5b5035919050565b5f5f60408385031215611612575f5ffd5b61161b836115af565b9150611629602084016115af565b90509250929050565b5f5f60408385031215611643575f5ffd5b61164c836115af565b946020939093013593505050565b5f5f5f5f5f6080868803121561166e575f5ffd5b611677866115af565b9450611685602087016115af565b935060408601359250606086013567ffffffffffffffff8111156116a7575f5ffd5b8601601f810188136116b7575f5ffd5b803567ffffffffffffffff8111156116cd575f5ffd5b8860208284010111156116de575f5ffd5b959894975092955050506020019190565b5f5f5f60608486031215611701575f5ffd5b61170a846115af565b9250611718602085016115af565b929592945050506040919091013590565b5f5f5f5f5f5f60a0878903121561173e575f5ffd5b611747876115af565b95506020870135945060408701359350611763606088016115af565b9250608087013567ffffffffffffffff81111561177e575f5ffd5b8701601f8101891361178e575f5ffd5b803567ffffffffffffffff8111156117a4575f5ffd5b8960208260051b84010111156117b8575f5ffd5b60208201935080925050509295509295509295565b602080825282518282018190525f918401906040840190835b8181101561180d5783516001600160a01b03168352602093840193909201916001016117e6565b509095945050505050565b5f5f5f5f6080858703121561182b575f5ffd5b611834856115af565b93506020850135925060408501359150611850606086016115af565b905092959194509250565b634e487b7160e01b5f52601160045260245ffd5b8082018082111561064f5761064f61185b565b8181038181111561064f5761064f61185b565b634e487b7160e01b5f52603260045260245ffd5b5f5f8335601e198436030181126118be575f5ffd5b83018035915067ffffffffffffffff8211156118d8575f5ffd5b6020019150368190038213156118ec575f5ffd5b9250929050565b5f5f85851115611901575f5ffd5b8386111561190d575f5ffd5b5050820193919092039150565b8035602083101561064f575f19602084900360031b1b1692915050565b5f82518060208501845e5f920191825250919050565b5f6020828403121561195d575f5ffd5b505191905056fea264697066735822122002baa4115478e73d2482dec2885ff5dee89e16aa0a268f848259649b48f73f5b64736f6c634300081c0033",
}

// Escrow is an auto generated Go binding around an Ethereum contract.
type Escrow struct {
	abi abi.ABI
}

// GetABI returns the ABI associated with this contract binding.
func (c *Escrow) GetABI() abi.ABI {
	return c.abi
}

// NewEscrow creates a new instance of Escrow.
func NewEscrow() *Escrow {
	parsed, err := EscrowMetaData.ParseABI()
	if err != nil {
		panic(errors.New("invalid ABI: " + err.Error()))
	}
	return &Escrow{abi: *parsed}
}

// Instance creates a wrapper for a deployed contract instance at the given address.
// Use this to create the instance object passed to abigen v2 library functions Call, Transact, etc.
func (c *Escrow) Instance(backend bind.ContractBackend, addr common.Address) *bind.BoundContract {
	return bind.NewBoundContract(addr, c.abi, backend, backend, backend)
}

// PackConstructor is the Go binding used to pack the parameters required for
// contract deployment.
//
// Solidity: constructor(address token_, uint256 withdrawDelay_, uint256 unstakeDelay_, address[] validators_, uint256 quorum_) returns()
func (escrow *Escrow) PackConstructor(token_ common.Address, withdrawDelay_ *big.Int, unstakeDelay_ *big.Int, validators_ []common.Address, quorum_ *big.Int) []byte {
	enc, err := escrow.abi.Pack("", token_, withdrawDelay_, unstakeDelay_, validators_, quorum_)
	if err != nil {
		panic(err)
	}
	return enc
}

// PackDOMAINTYPEHASH is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x20606b70.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function DOMAIN_TYPEHASH() view returns(bytes32)
func (escrow *Escrow) PackDOMAINTYPEHASH() []byte {
	enc, err := escrow.abi.Pack("DOMAIN_TYPEHASH")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackDOMAINTYPEHASH is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x20606b70.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function DOMAIN_TYPEHASH() view returns(bytes32)
func (escrow *Escrow) TryPackDOMAINTYPEHASH() ([]byte, error) {
	return escrow.abi.Pack("DOMAIN_TYPEHASH")
}

// UnpackDOMAINTYPEHASH is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x20606b70.
//
// Solidity: function DOMAIN_TYPEHASH() view returns(bytes32)
func (escrow *Escrow) UnpackDOMAINTYPEHASH(data []byte) ([32]byte, error) {
	out, err := escrow.abi.Unpack("DOMAIN_TYPEHASH", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackMAXVALIDATORS is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x714897df.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function MAX_VALIDATORS() view returns(uint256)
func (escrow *Escrow) PackMAXVALIDATORS() []byte {
	enc, err := escrow.abi.Pack("MAX_VALIDATORS")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackMAXVALIDATORS is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x714897df.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function MAX_VALIDATORS() view returns(uint256)
func (escrow *Escrow) TryPackMAXVALIDATORS() ([]byte, error) {
	return escrow.abi.Pack("MAX_VALIDATORS")
}

// UnpackMAXVALIDATORS is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x714897df.
//
// Solidity: function MAX_VALIDATORS() view returns(uint256)
func (escrow *Escrow) UnpackMAXVALIDATORS(data []byte) (*big.Int, error) {
	out, err := escrow.abi.Unpack("MAX_VALIDATORS", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackVERDICTTYPEHASH is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x75cb5f3d.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function VERDICT_TYPEHASH() view returns(bytes32)
func (escrow *Escrow) PackVERDICTTYPEHASH() []byte {
	enc, err := escrow.abi.Pack("VERDICT_TYPEHASH")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackVERDICTTYPEHASH is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x75cb5f3d.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function VERDICT_TYPEHASH() view returns(bytes32)
func (escrow *Escrow) TryPackVERDICTTYPEHASH() ([]byte, error) {
	return escrow.abi.Pack("VERDICT_TYPEHASH")
}

// UnpackVERDICTTYPEHASH is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x75cb5f3d.
//
// Solidity: function VERDICT_TYPEHASH() view returns(bytes32)
func (escrow *Escrow) UnpackVERDICTTYPEHASH(data []byte) ([32]byte, error) {
	out, err := escrow.abi.Unpack("VERDICT_TYPEHASH", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackVOUCHERTYPEHASH is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x94739e87.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function VOUCHER_TYPEHASH() view returns(bytes32)
func (escrow *Escrow) PackVOUCHERTYPEHASH() []byte {
	enc, err := escrow.abi.Pack("VOUCHER_TYPEHASH")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackVOUCHERTYPEHASH is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x94739e87.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function VOUCHER_TYPEHASH() view returns(bytes32)
func (escrow *Escrow) TryPackVOUCHERTYPEHASH() ([]byte, error) {
	return escrow.abi.Pack("VOUCHER_TYPEHASH")
}

// UnpackVOUCHERTYPEHASH is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x94739e87.
//
// Solidity: function VOUCHER_TYPEHASH() view returns(bytes32)
func (escrow *Escrow) UnpackVOUCHERTYPEHASH(data []byte) ([32]byte, error) {
	out, err := escrow.abi.Unpack("VOUCHER_TYPEHASH", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackChannel is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x2b10eefa.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function channel(address requester, address provider) view returns((uint256,uint256,uint256,uint256,uint256))
func (escrow *Escrow) PackChannel(requester common.Address, provider common.Address) []byte {
	enc, err := escrow.abi.Pack("channel", requester, provider)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackChannel is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x2b10eefa.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function channel(address requester, address provider) view returns((uint256,uint256,uint256,uint256,uint256))
func (escrow *Escrow) TryPackChannel(requester common.Address, provider common.Address) ([]byte, error) {
	return escrow.abi.Pack("channel", requester, provider)
}

// UnpackChannel is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x2b10eefa.
//
// Solidity: function channel(address requester, address provider) view returns((uint256,uint256,uint256,uint256,uint256))
func (escrow *Escrow) UnpackChannel(data []byte) (EscrowChannel, error) {
	out, err := escrow.abi.Unpack("channel", data)
	if err != nil {
		return *new(EscrowChannel), err
	}
	out0 := *abi.ConvertType(out[0], new(EscrowChannel)).(*EscrowChannel)
	return out0, nil
}

// PackDeposit is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x47e7ef24.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function deposit(address provider, uint256 amount) returns()
func (escrow *Escrow) PackDeposit(provider common.Address, amount *big.Int) []byte {
	enc, err := escrow.abi.Pack("deposit", provider, amount)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackDeposit is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x47e7ef24.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function deposit(address provider, uint256 amount) returns()
func (escrow *Escrow) TryPackDeposit(provider common.Address, amount *big.Int) ([]byte, error) {
	return escrow.abi.Pack("deposit", provider, amount)
}

// PackDisputeUsed is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xe3edc638.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function disputeUsed(bytes32 ) view returns(bool)
func (escrow *Escrow) PackDisputeUsed(arg0 [32]byte) []byte {
	enc, err := escrow.abi.Pack("disputeUsed", arg0)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackDisputeUsed is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xe3edc638.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function disputeUsed(bytes32 ) view returns(bool)
func (escrow *Escrow) TryPackDisputeUsed(arg0 [32]byte) ([]byte, error) {
	return escrow.abi.Pack("disputeUsed", arg0)
}

// UnpackDisputeUsed is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xe3edc638.
//
// Solidity: function disputeUsed(bytes32 ) view returns(bool)
func (escrow *Escrow) UnpackDisputeUsed(data []byte) (bool, error) {
	out, err := escrow.abi.Unpack("disputeUsed", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackDomainSeparator is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf698da25.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function domainSeparator() view returns(bytes32)
func (escrow *Escrow) PackDomainSeparator() []byte {
	enc, err := escrow.abi.Pack("domainSeparator")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackDomainSeparator is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf698da25.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function domainSeparator() view returns(bytes32)
func (escrow *Escrow) TryPackDomainSeparator() ([]byte, error) {
	return escrow.abi.Pack("domainSeparator")
}

// UnpackDomainSeparator is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xf698da25.
//
// Solidity: function domainSeparator() view returns(bytes32)
func (escrow *Escrow) UnpackDomainSeparator(data []byte) ([32]byte, error) {
	out, err := escrow.abi.Unpack("domainSeparator", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackIsValidator is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xfacd743b.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function isValidator(address account) view returns(bool)
func (escrow *Escrow) PackIsValidator(account common.Address) []byte {
	enc, err := escrow.abi.Pack("isValidator", account)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackIsValidator is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xfacd743b.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function isValidator(address account) view returns(bool)
func (escrow *Escrow) TryPackIsValidator(account common.Address) ([]byte, error) {
	return escrow.abi.Pack("isValidator", account)
}

// UnpackIsValidator is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xfacd743b.
//
// Solidity: function isValidator(address account) view returns(bool)
func (escrow *Escrow) UnpackIsValidator(data []byte) (bool, error) {
	out, err := escrow.abi.Unpack("isValidator", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackQuorum is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x1703a018.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function quorum() view returns(uint256)
func (escrow *Escrow) PackQuorum() []byte {
	enc, err := escrow.abi.Pack("quorum")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackQuorum is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x1703a018.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function quorum() view returns(uint256)
func (escrow *Escrow) TryPackQuorum() ([]byte, error) {
	return escrow.abi.Pack("quorum")
}

// UnpackQuorum is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x1703a018.
//
// Solidity: function quorum() view returns(uint256)
func (escrow *Escrow) UnpackQuorum(data []byte) (*big.Int, error) {
	out, err := escrow.abi.Unpack("quorum", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackRedeem is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3ce3b521.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function redeem(address requester, address provider, uint256 cumulativeAmount, bytes signature) returns()
func (escrow *Escrow) PackRedeem(requester common.Address, provider common.Address, cumulativeAmount *big.Int, signature []byte) []byte {
	enc, err := escrow.abi.Pack("redeem", requester, provider, cumulativeAmount, signature)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackRedeem is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3ce3b521.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function redeem(address requester, address provider, uint256 cumulativeAmount, bytes signature) returns()
func (escrow *Escrow) TryPackRedeem(requester common.Address, provider common.Address, cumulativeAmount *big.Int, signature []byte) ([]byte, error) {
	return escrow.abi.Pack("redeem", requester, provider, cumulativeAmount, signature)
}

// PackRequestUnstake is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x23095721.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function requestUnstake(uint256 amount) returns()
func (escrow *Escrow) PackRequestUnstake(amount *big.Int) []byte {
	enc, err := escrow.abi.Pack("requestUnstake", amount)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackRequestUnstake is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x23095721.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function requestUnstake(uint256 amount) returns()
func (escrow *Escrow) TryPackRequestUnstake(amount *big.Int) ([]byte, error) {
	return escrow.abi.Pack("requestUnstake", amount)
}

// PackRequestWithdraw is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x397a1b28.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function requestWithdraw(address provider, uint256 amount) returns()
func (escrow *Escrow) PackRequestWithdraw(provider common.Address, amount *big.Int) []byte {
	enc, err := escrow.abi.Pack("requestWithdraw", provider, amount)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackRequestWithdraw is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x397a1b28.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function requestWithdraw(address provider, uint256 amount) returns()
func (escrow *Escrow) TryPackRequestWithdraw(provider common.Address, amount *big.Int) ([]byte, error) {
	return escrow.abi.Pack("requestWithdraw", provider, amount)
}

// PackSlash is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xc3af7f61.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function slash(address provider, uint256 amount, bytes32 disputeId, address beneficiary, bytes[] signatures) returns()
func (escrow *Escrow) PackSlash(provider common.Address, amount *big.Int, disputeId [32]byte, beneficiary common.Address, signatures [][]byte) []byte {
	enc, err := escrow.abi.Pack("slash", provider, amount, disputeId, beneficiary, signatures)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSlash is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xc3af7f61.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function slash(address provider, uint256 amount, bytes32 disputeId, address beneficiary, bytes[] signatures) returns()
func (escrow *Escrow) TryPackSlash(provider common.Address, amount *big.Int, disputeId [32]byte, beneficiary common.Address, signatures [][]byte) ([]byte, error) {
	return escrow.abi.Pack("slash", provider, amount, disputeId, beneficiary, signatures)
}

// PackStake is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xa694fc3a.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function stake(uint256 amount) returns()
func (escrow *Escrow) PackStake(amount *big.Int) []byte {
	enc, err := escrow.abi.Pack("stake", amount)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackStake is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xa694fc3a.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function stake(uint256 amount) returns()
func (escrow *Escrow) TryPackStake(amount *big.Int) ([]byte, error) {
	return escrow.abi.Pack("stake", amount)
}

// PackStakes is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x16934fc4.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function stakes(address provider) view returns((uint256,uint256,uint256))
func (escrow *Escrow) PackStakes(provider common.Address) []byte {
	enc, err := escrow.abi.Pack("stakes", provider)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackStakes is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x16934fc4.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function stakes(address provider) view returns((uint256,uint256,uint256))
func (escrow *Escrow) TryPackStakes(provider common.Address) ([]byte, error) {
	return escrow.abi.Pack("stakes", provider)
}

// UnpackStakes is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x16934fc4.
//
// Solidity: function stakes(address provider) view returns((uint256,uint256,uint256))
func (escrow *Escrow) UnpackStakes(data []byte) (EscrowStake, error) {
	out, err := escrow.abi.Unpack("stakes", data)
	if err != nil {
		return *new(EscrowStake), err
	}
	out0 := *abi.ConvertType(out[0], new(EscrowStake)).(*EscrowStake)
	return out0, nil
}

// PackToken is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xfc0c546a.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function token() view returns(address)
func (escrow *Escrow) PackToken() []byte {
	enc, err := escrow.abi.Pack("token")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackToken is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xfc0c546a.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function token() view returns(address)
func (escrow *Escrow) TryPackToken() ([]byte, error) {
	return escrow.abi.Pack("token")
}

// UnpackToken is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xfc0c546a.
//
// Solidity: function token() view returns(address)
func (escrow *Escrow) UnpackToken(data []byte) (common.Address, error) {
	out, err := escrow.abi.Unpack("token", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// PackUnstake is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x2def6620.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function unstake() returns()
func (escrow *Escrow) PackUnstake() []byte {
	enc, err := escrow.abi.Pack("unstake")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackUnstake is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x2def6620.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function unstake() returns()
func (escrow *Escrow) TryPackUnstake() ([]byte, error) {
	return escrow.abi.Pack("unstake")
}

// PackUnstakeDelay is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3222012f.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function unstakeDelay() view returns(uint256)
func (escrow *Escrow) PackUnstakeDelay() []byte {
	enc, err := escrow.abi.Pack("unstakeDelay")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackUnstakeDelay is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3222012f.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function unstakeDelay() view returns(uint256)
func (escrow *Escrow) TryPackUnstakeDelay() ([]byte, error) {
	return escrow.abi.Pack("unstakeDelay")
}

// UnpackUnstakeDelay is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x3222012f.
//
// Solidity: function unstakeDelay() view returns(uint256)
func (escrow *Escrow) UnpackUnstakeDelay(data []byte) (*big.Int, error) {
	out, err := escrow.abi.Unpack("unstakeDelay", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackValidators is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xca1e7819.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function validators() view returns(address[])
func (escrow *Escrow) PackValidators() []byte {
	enc, err := escrow.abi.Pack("validators")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackValidators is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xca1e7819.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function validators() view returns(address[])
func (escrow *Escrow) TryPackValidators() ([]byte, error) {
	return escrow.abi.Pack("validators")
}

// UnpackValidators is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xca1e7819.
//
// Solidity: function validators() view returns(address[])
func (escrow *Escrow) UnpackValidators(data []byte) ([]common.Address, error) {
	out, err := escrow.abi.Unpack("validators", data)
	if err != nil {
		return *new([]common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new([]common.Address)).(*[]common.Address)
	return out0, nil
}

// PackVerdictDigest is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xd4df530e.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function verdictDigest(address provider, uint256 amount, bytes32 disputeId, address beneficiary) view returns(bytes32)
func (escrow *Escrow) PackVerdictDigest(provider common.Address, amount *big.Int, disputeId [32]byte, beneficiary common.Address) []byte {
	enc, err := escrow.abi.Pack("verdictDigest", provider, amount, disputeId, beneficiary)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackVerdictDigest is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xd4df530e.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function verdictDigest(address provider, uint256 amount, bytes32 disputeId, address beneficiary) view returns(bytes32)
func (escrow *Escrow) TryPackVerdictDigest(provider common.Address, amount *big.Int, disputeId [32]byte, beneficiary common.Address) ([]byte, error) {
	return escrow.abi.Pack("verdictDigest", provider, amount, disputeId, beneficiary)
}

// UnpackVerdictDigest is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xd4df530e.
//
// Solidity: function verdictDigest(address provider, uint256 amount, bytes32 disputeId, address beneficiary) view returns(bytes32)
func (escrow *Escrow) UnpackVerdictDigest(data []byte) ([32]byte, error) {
	out, err := escrow.abi.Unpack("verdictDigest", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackVoucherDigest is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x4a41505c.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function voucherDigest(address requester, address provider, uint256 cumulativeAmount) view returns(bytes32)
func (escrow *Escrow) PackVoucherDigest(requester common.Address, provider common.Address, cumulativeAmount *big.Int) []byte {
	enc, err := escrow.abi.Pack("voucherDigest", requester, provider, cumulativeAmount)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackVoucherDigest is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x4a41505c.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function voucherDigest(address requester, address provider, uint256 cumulativeAmount) view returns(bytes32)
func (escrow *Escrow) TryPackVoucherDigest(requester common.Address, provider common.Address, cumulativeAmount *big.Int) ([]byte, error) {
	return escrow.abi.Pack("voucherDigest", requester, provider, cumulativeAmount)
}

// UnpackVoucherDigest is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x4a41505c.
//
// Solidity: function voucherDigest(address requester, address provider, uint256 cumulativeAmount) view returns(bytes32)
func (escrow *Escrow) UnpackVoucherDigest(data []byte) ([32]byte, error) {
	out, err := escrow.abi.Unpack("voucherDigest", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackWithdraw is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x51cff8d9.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function withdraw(address provider) returns()
func (escrow *Escrow) PackWithdraw(provider common.Address) []byte {
	enc, err := escrow.abi.Pack("withdraw", provider)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackWithdraw is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x51cff8d9.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function withdraw(address provider) returns()
func (escrow *Escrow) TryPackWithdraw(provider common.Address) ([]byte, error) {
	return escrow.abi.Pack("withdraw", provider)
}

// PackWithdrawDelay is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x0288a39c.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function withdrawDelay() view returns(uint256)
func (escrow *Escrow) PackWithdrawDelay() []byte {
	enc, err := escrow.abi.Pack("withdrawDelay")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackWithdrawDelay is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x0288a39c.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function withdrawDelay() view returns(uint256)
func (escrow *Escrow) TryPackWithdrawDelay() ([]byte, error) {
	return escrow.abi.Pack("withdrawDelay")
}

// UnpackWithdrawDelay is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x0288a39c.
//
// Solidity: function withdrawDelay() view returns(uint256)
func (escrow *Escrow) UnpackWithdrawDelay(data []byte) (*big.Int, error) {
	out, err := escrow.abi.Unpack("withdrawDelay", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// EscrowDeposited represents a Deposited event raised by the Escrow contract.
type EscrowDeposited struct {
	Requester common.Address
	Provider  common.Address
	Amount    *big.Int
	Balance   *big.Int
	Raw       *types.Log // Blockchain specific contextual infos
}

const EscrowDepositedEventName = "Deposited"

// ContractEventName returns the user-defined event name.
func (EscrowDeposited) ContractEventName() string {
	return EscrowDepositedEventName
}

// UnpackDepositedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event Deposited(address indexed requester, address indexed provider, uint256 amount, uint256 balance)
func (escrow *Escrow) UnpackDepositedEvent(log *types.Log) (*EscrowDeposited, error) {
	event := "Deposited"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != escrow.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(EscrowDeposited)
	if len(log.Data) > 0 {
		if err := escrow.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range escrow.abi.Events[event].Inputs {
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

// EscrowRedeemed represents a Redeemed event raised by the Escrow contract.
type EscrowRedeemed struct {
	Requester        common.Address
	Provider         common.Address
	CumulativeAmount *big.Int
	Paid             *big.Int
	Owed             *big.Int
	Raw              *types.Log // Blockchain specific contextual infos
}

const EscrowRedeemedEventName = "Redeemed"

// ContractEventName returns the user-defined event name.
func (EscrowRedeemed) ContractEventName() string {
	return EscrowRedeemedEventName
}

// UnpackRedeemedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event Redeemed(address indexed requester, address indexed provider, uint256 cumulativeAmount, uint256 paid, uint256 owed)
func (escrow *Escrow) UnpackRedeemedEvent(log *types.Log) (*EscrowRedeemed, error) {
	event := "Redeemed"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != escrow.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(EscrowRedeemed)
	if len(log.Data) > 0 {
		if err := escrow.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range escrow.abi.Events[event].Inputs {
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

// EscrowSlashed represents a Slashed event raised by the Escrow contract.
type EscrowSlashed struct {
	Provider    common.Address
	DisputeId   [32]byte
	Beneficiary common.Address
	Amount      *big.Int
	Raw         *types.Log // Blockchain specific contextual infos
}

const EscrowSlashedEventName = "Slashed"

// ContractEventName returns the user-defined event name.
func (EscrowSlashed) ContractEventName() string {
	return EscrowSlashedEventName
}

// UnpackSlashedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event Slashed(address indexed provider, bytes32 indexed disputeId, address indexed beneficiary, uint256 amount)
func (escrow *Escrow) UnpackSlashedEvent(log *types.Log) (*EscrowSlashed, error) {
	event := "Slashed"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != escrow.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(EscrowSlashed)
	if len(log.Data) > 0 {
		if err := escrow.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range escrow.abi.Events[event].Inputs {
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

// EscrowStaked represents a Staked event raised by the Escrow contract.
type EscrowStaked struct {
	Provider common.Address
	Amount   *big.Int
	Total    *big.Int
	Raw      *types.Log // Blockchain specific contextual infos
}

const EscrowStakedEventName = "Staked"

// ContractEventName returns the user-defined event name.
func (EscrowStaked) ContractEventName() string {
	return EscrowStakedEventName
}

// UnpackStakedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event Staked(address indexed provider, uint256 amount, uint256 total)
func (escrow *Escrow) UnpackStakedEvent(log *types.Log) (*EscrowStaked, error) {
	event := "Staked"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != escrow.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(EscrowStaked)
	if len(log.Data) > 0 {
		if err := escrow.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range escrow.abi.Events[event].Inputs {
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

// EscrowUnstakeRequested represents a UnstakeRequested event raised by the Escrow contract.
type EscrowUnstakeRequested struct {
	Provider    common.Address
	Amount      *big.Int
	AvailableAt *big.Int
	Raw         *types.Log // Blockchain specific contextual infos
}

const EscrowUnstakeRequestedEventName = "UnstakeRequested"

// ContractEventName returns the user-defined event name.
func (EscrowUnstakeRequested) ContractEventName() string {
	return EscrowUnstakeRequestedEventName
}

// UnpackUnstakeRequestedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event UnstakeRequested(address indexed provider, uint256 amount, uint256 availableAt)
func (escrow *Escrow) UnpackUnstakeRequestedEvent(log *types.Log) (*EscrowUnstakeRequested, error) {
	event := "UnstakeRequested"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != escrow.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(EscrowUnstakeRequested)
	if len(log.Data) > 0 {
		if err := escrow.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range escrow.abi.Events[event].Inputs {
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

// EscrowUnstaked represents a Unstaked event raised by the Escrow contract.
type EscrowUnstaked struct {
	Provider common.Address
	Amount   *big.Int
	Raw      *types.Log // Blockchain specific contextual infos
}

const EscrowUnstakedEventName = "Unstaked"

// ContractEventName returns the user-defined event name.
func (EscrowUnstaked) ContractEventName() string {
	return EscrowUnstakedEventName
}

// UnpackUnstakedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event Unstaked(address indexed provider, uint256 amount)
func (escrow *Escrow) UnpackUnstakedEvent(log *types.Log) (*EscrowUnstaked, error) {
	event := "Unstaked"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != escrow.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(EscrowUnstaked)
	if len(log.Data) > 0 {
		if err := escrow.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range escrow.abi.Events[event].Inputs {
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

// EscrowWithdrawRequested represents a WithdrawRequested event raised by the Escrow contract.
type EscrowWithdrawRequested struct {
	Requester   common.Address
	Provider    common.Address
	Amount      *big.Int
	AvailableAt *big.Int
	Raw         *types.Log // Blockchain specific contextual infos
}

const EscrowWithdrawRequestedEventName = "WithdrawRequested"

// ContractEventName returns the user-defined event name.
func (EscrowWithdrawRequested) ContractEventName() string {
	return EscrowWithdrawRequestedEventName
}

// UnpackWithdrawRequestedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event WithdrawRequested(address indexed requester, address indexed provider, uint256 amount, uint256 availableAt)
func (escrow *Escrow) UnpackWithdrawRequestedEvent(log *types.Log) (*EscrowWithdrawRequested, error) {
	event := "WithdrawRequested"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != escrow.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(EscrowWithdrawRequested)
	if len(log.Data) > 0 {
		if err := escrow.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range escrow.abi.Events[event].Inputs {
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

// EscrowWithdrawn represents a Withdrawn event raised by the Escrow contract.
type EscrowWithdrawn struct {
	Requester common.Address
	Provider  common.Address
	Amount    *big.Int
	Raw       *types.Log // Blockchain specific contextual infos
}

const EscrowWithdrawnEventName = "Withdrawn"

// ContractEventName returns the user-defined event name.
func (EscrowWithdrawn) ContractEventName() string {
	return EscrowWithdrawnEventName
}

// UnpackWithdrawnEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event Withdrawn(address indexed requester, address indexed provider, uint256 amount)
func (escrow *Escrow) UnpackWithdrawnEvent(log *types.Log) (*EscrowWithdrawn, error) {
	event := "Withdrawn"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != escrow.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(EscrowWithdrawn)
	if len(log.Data) > 0 {
		if err := escrow.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range escrow.abi.Events[event].Inputs {
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
func (escrow *Escrow) UnpackError(raw []byte) (any, error) {
	if bytes.Equal(raw[:4], escrow.abi.Errors["BadQuorum"].ID.Bytes()[:4]) {
		return escrow.UnpackBadQuorumError(raw[4:])
	}
	if bytes.Equal(raw[:4], escrow.abi.Errors["DisputeUsed"].ID.Bytes()[:4]) {
		return escrow.UnpackDisputeUsedError(raw[4:])
	}
	if bytes.Equal(raw[:4], escrow.abi.Errors["DuplicateValidator"].ID.Bytes()[:4]) {
		return escrow.UnpackDuplicateValidatorError(raw[4:])
	}
	if bytes.Equal(raw[:4], escrow.abi.Errors["InsufficientStake"].ID.Bytes()[:4]) {
		return escrow.UnpackInsufficientStakeError(raw[4:])
	}
	if bytes.Equal(raw[:4], escrow.abi.Errors["InvalidSignature"].ID.Bytes()[:4]) {
		return escrow.UnpackInvalidSignatureError(raw[4:])
	}
	if bytes.Equal(raw[:4], escrow.abi.Errors["MalleableSignature"].ID.Bytes()[:4]) {
		return escrow.UnpackMalleableSignatureError(raw[4:])
	}
	if bytes.Equal(raw[:4], escrow.abi.Errors["NoUnstakeRequest"].ID.Bytes()[:4]) {
		return escrow.UnpackNoUnstakeRequestError(raw[4:])
	}
	if bytes.Equal(raw[:4], escrow.abi.Errors["NoWithdrawRequest"].ID.Bytes()[:4]) {
		return escrow.UnpackNoWithdrawRequestError(raw[4:])
	}
	if bytes.Equal(raw[:4], escrow.abi.Errors["NotAContract"].ID.Bytes()[:4]) {
		return escrow.UnpackNotAContractError(raw[4:])
	}
	if bytes.Equal(raw[:4], escrow.abi.Errors["NotProvider"].ID.Bytes()[:4]) {
		return escrow.UnpackNotProviderError(raw[4:])
	}
	if bytes.Equal(raw[:4], escrow.abi.Errors["Reentrancy"].ID.Bytes()[:4]) {
		return escrow.UnpackReentrancyError(raw[4:])
	}
	if bytes.Equal(raw[:4], escrow.abi.Errors["SlashingDisabled"].ID.Bytes()[:4]) {
		return escrow.UnpackSlashingDisabledError(raw[4:])
	}
	if bytes.Equal(raw[:4], escrow.abi.Errors["TooFewSignatures"].ID.Bytes()[:4]) {
		return escrow.UnpackTooFewSignaturesError(raw[4:])
	}
	if bytes.Equal(raw[:4], escrow.abi.Errors["TooManyValidators"].ID.Bytes()[:4]) {
		return escrow.UnpackTooManyValidatorsError(raw[4:])
	}
	if bytes.Equal(raw[:4], escrow.abi.Errors["TransferFailed"].ID.Bytes()[:4]) {
		return escrow.UnpackTransferFailedError(raw[4:])
	}
	if bytes.Equal(raw[:4], escrow.abi.Errors["UnknownValidator"].ID.Bytes()[:4]) {
		return escrow.UnpackUnknownValidatorError(raw[4:])
	}
	if bytes.Equal(raw[:4], escrow.abi.Errors["UnstakeTooEarly"].ID.Bytes()[:4]) {
		return escrow.UnpackUnstakeTooEarlyError(raw[4:])
	}
	if bytes.Equal(raw[:4], escrow.abi.Errors["VoucherReplayed"].ID.Bytes()[:4]) {
		return escrow.UnpackVoucherReplayedError(raw[4:])
	}
	if bytes.Equal(raw[:4], escrow.abi.Errors["VoucherTooLow"].ID.Bytes()[:4]) {
		return escrow.UnpackVoucherTooLowError(raw[4:])
	}
	if bytes.Equal(raw[:4], escrow.abi.Errors["WithdrawTooEarly"].ID.Bytes()[:4]) {
		return escrow.UnpackWithdrawTooEarlyError(raw[4:])
	}
	if bytes.Equal(raw[:4], escrow.abi.Errors["WrongSigner"].ID.Bytes()[:4]) {
		return escrow.UnpackWrongSignerError(raw[4:])
	}
	if bytes.Equal(raw[:4], escrow.abi.Errors["ZeroAddress"].ID.Bytes()[:4]) {
		return escrow.UnpackZeroAddressError(raw[4:])
	}
	if bytes.Equal(raw[:4], escrow.abi.Errors["ZeroAmount"].ID.Bytes()[:4]) {
		return escrow.UnpackZeroAmountError(raw[4:])
	}
	return nil, errors.New("Unknown error")
}

// EscrowBadQuorum represents a BadQuorum error raised by the Escrow contract.
type EscrowBadQuorum struct {
	Quorum     *big.Int
	Validators *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error BadQuorum(uint256 quorum, uint256 validators)
func EscrowBadQuorumErrorID() common.Hash {
	return common.HexToHash("0x8aeaa69b452b81abfa6beeb0715cd2b5b4e3df9b40dd215853602c9e225a42b0")
}

// UnpackBadQuorumError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error BadQuorum(uint256 quorum, uint256 validators)
func (escrow *Escrow) UnpackBadQuorumError(raw []byte) (*EscrowBadQuorum, error) {
	out := new(EscrowBadQuorum)
	if err := escrow.abi.UnpackIntoInterface(out, "BadQuorum", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// EscrowDisputeUsed represents a DisputeUsed error raised by the Escrow contract.
type EscrowDisputeUsed struct {
	DisputeId [32]byte
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error DisputeUsed(bytes32 disputeId)
func EscrowDisputeUsedErrorID() common.Hash {
	return common.HexToHash("0xc925ce3239dd5298da11c13fa163b001b38213e69e9dbfe2f3dd08458f158be1")
}

// UnpackDisputeUsedError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error DisputeUsed(bytes32 disputeId)
func (escrow *Escrow) UnpackDisputeUsedError(raw []byte) (*EscrowDisputeUsed, error) {
	out := new(EscrowDisputeUsed)
	if err := escrow.abi.UnpackIntoInterface(out, "DisputeUsed", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// EscrowDuplicateValidator represents a DuplicateValidator error raised by the Escrow contract.
type EscrowDuplicateValidator struct {
	Validator common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error DuplicateValidator(address validator)
func EscrowDuplicateValidatorErrorID() common.Hash {
	return common.HexToHash("0x41fe18cc9499f0f7be34d80dc912f4351e87d50e0e97c05ffbc8d99fe05171a3")
}

// UnpackDuplicateValidatorError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error DuplicateValidator(address validator)
func (escrow *Escrow) UnpackDuplicateValidatorError(raw []byte) (*EscrowDuplicateValidator, error) {
	out := new(EscrowDuplicateValidator)
	if err := escrow.abi.UnpackIntoInterface(out, "DuplicateValidator", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// EscrowInsufficientStake represents a InsufficientStake error raised by the Escrow contract.
type EscrowInsufficientStake struct {
	Stake  *big.Int
	Needed *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InsufficientStake(uint256 stake, uint256 needed)
func EscrowInsufficientStakeErrorID() common.Hash {
	return common.HexToHash("0x45be0a261a88f9fedc41221879f08865d5e8d6053c877967e6e8e39e5697e6d5")
}

// UnpackInsufficientStakeError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InsufficientStake(uint256 stake, uint256 needed)
func (escrow *Escrow) UnpackInsufficientStakeError(raw []byte) (*EscrowInsufficientStake, error) {
	out := new(EscrowInsufficientStake)
	if err := escrow.abi.UnpackIntoInterface(out, "InsufficientStake", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// EscrowInvalidSignature represents a InvalidSignature error raised by the Escrow contract.
type EscrowInvalidSignature struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InvalidSignature()
func EscrowInvalidSignatureErrorID() common.Hash {
	return common.HexToHash("0x8baa579fce362245063d36f11747a89dd489c54795634fc673cc0e0db51fedc5")
}

// UnpackInvalidSignatureError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InvalidSignature()
func (escrow *Escrow) UnpackInvalidSignatureError(raw []byte) (*EscrowInvalidSignature, error) {
	out := new(EscrowInvalidSignature)
	if err := escrow.abi.UnpackIntoInterface(out, "InvalidSignature", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// EscrowMalleableSignature represents a MalleableSignature error raised by the Escrow contract.
type EscrowMalleableSignature struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error MalleableSignature()
func EscrowMalleableSignatureErrorID() common.Hash {
	return common.HexToHash("0xf0ad0d096b3006996dab3fc2694416c1b06f2187bc5971da9e3ef21c355e8f96")
}

// UnpackMalleableSignatureError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error MalleableSignature()
func (escrow *Escrow) UnpackMalleableSignatureError(raw []byte) (*EscrowMalleableSignature, error) {
	out := new(EscrowMalleableSignature)
	if err := escrow.abi.UnpackIntoInterface(out, "MalleableSignature", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// EscrowNoUnstakeRequest represents a NoUnstakeRequest error raised by the Escrow contract.
type EscrowNoUnstakeRequest struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NoUnstakeRequest()
func EscrowNoUnstakeRequestErrorID() common.Hash {
	return common.HexToHash("0x16f68e4b12800f08c76845b9a5d341d32c8b60508ba35dd8671671da44949dcd")
}

// UnpackNoUnstakeRequestError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NoUnstakeRequest()
func (escrow *Escrow) UnpackNoUnstakeRequestError(raw []byte) (*EscrowNoUnstakeRequest, error) {
	out := new(EscrowNoUnstakeRequest)
	if err := escrow.abi.UnpackIntoInterface(out, "NoUnstakeRequest", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// EscrowNoWithdrawRequest represents a NoWithdrawRequest error raised by the Escrow contract.
type EscrowNoWithdrawRequest struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NoWithdrawRequest()
func EscrowNoWithdrawRequestErrorID() common.Hash {
	return common.HexToHash("0xa124d317973e321519cb5a7b827eae03bd33253d072cde8f975f120bf8a50aad")
}

// UnpackNoWithdrawRequestError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NoWithdrawRequest()
func (escrow *Escrow) UnpackNoWithdrawRequestError(raw []byte) (*EscrowNoWithdrawRequest, error) {
	out := new(EscrowNoWithdrawRequest)
	if err := escrow.abi.UnpackIntoInterface(out, "NoWithdrawRequest", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// EscrowNotAContract represents a NotAContract error raised by the Escrow contract.
type EscrowNotAContract struct {
	Token common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NotAContract(address token)
func EscrowNotAContractErrorID() common.Hash {
	return common.HexToHash("0x8a8b41ec6b8382733436ac0321a506b0d1e41dc29c8650d1fd1ff17e726ab809")
}

// UnpackNotAContractError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NotAContract(address token)
func (escrow *Escrow) UnpackNotAContractError(raw []byte) (*EscrowNotAContract, error) {
	out := new(EscrowNotAContract)
	if err := escrow.abi.UnpackIntoInterface(out, "NotAContract", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// EscrowNotProvider represents a NotProvider error raised by the Escrow contract.
type EscrowNotProvider struct {
	Caller   common.Address
	Provider common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NotProvider(address caller, address provider)
func EscrowNotProviderErrorID() common.Hash {
	return common.HexToHash("0x344b0904f157174c498c04537ae317270df5dc37b5c489ec2f7bf8b7100e2c66")
}

// UnpackNotProviderError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NotProvider(address caller, address provider)
func (escrow *Escrow) UnpackNotProviderError(raw []byte) (*EscrowNotProvider, error) {
	out := new(EscrowNotProvider)
	if err := escrow.abi.UnpackIntoInterface(out, "NotProvider", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// EscrowReentrancy represents a Reentrancy error raised by the Escrow contract.
type EscrowReentrancy struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error Reentrancy()
func EscrowReentrancyErrorID() common.Hash {
	return common.HexToHash("0xab143c06c9772d69bbbc9f2fe74acd02f810e93b099f3d1dac8448ac9ae35991")
}

// UnpackReentrancyError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error Reentrancy()
func (escrow *Escrow) UnpackReentrancyError(raw []byte) (*EscrowReentrancy, error) {
	out := new(EscrowReentrancy)
	if err := escrow.abi.UnpackIntoInterface(out, "Reentrancy", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// EscrowSlashingDisabled represents a SlashingDisabled error raised by the Escrow contract.
type EscrowSlashingDisabled struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error SlashingDisabled()
func EscrowSlashingDisabledErrorID() common.Hash {
	return common.HexToHash("0xb17a4d0e446cb93fef9ad39f83c7c4615ff0660040827b8d34c0433880b5f5ac")
}

// UnpackSlashingDisabledError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error SlashingDisabled()
func (escrow *Escrow) UnpackSlashingDisabledError(raw []byte) (*EscrowSlashingDisabled, error) {
	out := new(EscrowSlashingDisabled)
	if err := escrow.abi.UnpackIntoInterface(out, "SlashingDisabled", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// EscrowTooFewSignatures represents a TooFewSignatures error raised by the Escrow contract.
type EscrowTooFewSignatures struct {
	Valid  *big.Int
	Quorum *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error TooFewSignatures(uint256 valid, uint256 quorum)
func EscrowTooFewSignaturesErrorID() common.Hash {
	return common.HexToHash("0x59b8466f13c4d54554d5f64f08f5b02563132f906fa1ae1e30fbc1e6780e4f08")
}

// UnpackTooFewSignaturesError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error TooFewSignatures(uint256 valid, uint256 quorum)
func (escrow *Escrow) UnpackTooFewSignaturesError(raw []byte) (*EscrowTooFewSignatures, error) {
	out := new(EscrowTooFewSignatures)
	if err := escrow.abi.UnpackIntoInterface(out, "TooFewSignatures", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// EscrowTooManyValidators represents a TooManyValidators error raised by the Escrow contract.
type EscrowTooManyValidators struct {
	Count *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error TooManyValidators(uint256 count)
func EscrowTooManyValidatorsErrorID() common.Hash {
	return common.HexToHash("0x628fb2b997b1baecc4ef1763c10c38f1af2e763429dfedc06287049ce877d5fe")
}

// UnpackTooManyValidatorsError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error TooManyValidators(uint256 count)
func (escrow *Escrow) UnpackTooManyValidatorsError(raw []byte) (*EscrowTooManyValidators, error) {
	out := new(EscrowTooManyValidators)
	if err := escrow.abi.UnpackIntoInterface(out, "TooManyValidators", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// EscrowTransferFailed represents a TransferFailed error raised by the Escrow contract.
type EscrowTransferFailed struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error TransferFailed()
func EscrowTransferFailedErrorID() common.Hash {
	return common.HexToHash("0x90b8ec1877afffd816d05d9b13947f3ff18ec5851c38bad15ec2b710f92391b1")
}

// UnpackTransferFailedError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error TransferFailed()
func (escrow *Escrow) UnpackTransferFailedError(raw []byte) (*EscrowTransferFailed, error) {
	out := new(EscrowTransferFailed)
	if err := escrow.abi.UnpackIntoInterface(out, "TransferFailed", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// EscrowUnknownValidator represents a UnknownValidator error raised by the Escrow contract.
type EscrowUnknownValidator struct {
	Signer common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error UnknownValidator(address signer)
func EscrowUnknownValidatorErrorID() common.Hash {
	return common.HexToHash("0x74f66b97e8684fcdf4d302c9204c14fec13ef6452d233ac878acefb1ee101ad2")
}

// UnpackUnknownValidatorError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error UnknownValidator(address signer)
func (escrow *Escrow) UnpackUnknownValidatorError(raw []byte) (*EscrowUnknownValidator, error) {
	out := new(EscrowUnknownValidator)
	if err := escrow.abi.UnpackIntoInterface(out, "UnknownValidator", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// EscrowUnstakeTooEarly represents a UnstakeTooEarly error raised by the Escrow contract.
type EscrowUnstakeTooEarly struct {
	AvailableAt *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error UnstakeTooEarly(uint256 availableAt)
func EscrowUnstakeTooEarlyErrorID() common.Hash {
	return common.HexToHash("0xdca470155b635e27fd31eac73991bd6564673a8a9d3e395835e8abbf460199ea")
}

// UnpackUnstakeTooEarlyError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error UnstakeTooEarly(uint256 availableAt)
func (escrow *Escrow) UnpackUnstakeTooEarlyError(raw []byte) (*EscrowUnstakeTooEarly, error) {
	out := new(EscrowUnstakeTooEarly)
	if err := escrow.abi.UnpackIntoInterface(out, "UnstakeTooEarly", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// EscrowVoucherReplayed represents a VoucherReplayed error raised by the Escrow contract.
type EscrowVoucherReplayed struct {
	CumulativeAmount *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error VoucherReplayed(uint256 cumulativeAmount)
func EscrowVoucherReplayedErrorID() common.Hash {
	return common.HexToHash("0x34de7d6c6aab8560efd2a29e7c5bb740fcbb786befba3816cefdc9456d56ab17")
}

// UnpackVoucherReplayedError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error VoucherReplayed(uint256 cumulativeAmount)
func (escrow *Escrow) UnpackVoucherReplayedError(raw []byte) (*EscrowVoucherReplayed, error) {
	out := new(EscrowVoucherReplayed)
	if err := escrow.abi.UnpackIntoInterface(out, "VoucherReplayed", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// EscrowVoucherTooLow represents a VoucherTooLow error raised by the Escrow contract.
type EscrowVoucherTooLow struct {
	CumulativeAmount *big.Int
	Claimed          *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error VoucherTooLow(uint256 cumulativeAmount, uint256 claimed)
func EscrowVoucherTooLowErrorID() common.Hash {
	return common.HexToHash("0x643f783e4e80da3fefafe0f9004f458f0a9eb9d267f61e9f37b8a340ab3181b4")
}

// UnpackVoucherTooLowError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error VoucherTooLow(uint256 cumulativeAmount, uint256 claimed)
func (escrow *Escrow) UnpackVoucherTooLowError(raw []byte) (*EscrowVoucherTooLow, error) {
	out := new(EscrowVoucherTooLow)
	if err := escrow.abi.UnpackIntoInterface(out, "VoucherTooLow", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// EscrowWithdrawTooEarly represents a WithdrawTooEarly error raised by the Escrow contract.
type EscrowWithdrawTooEarly struct {
	AvailableAt *big.Int
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error WithdrawTooEarly(uint256 availableAt)
func EscrowWithdrawTooEarlyErrorID() common.Hash {
	return common.HexToHash("0xae95eec3a86a6ada9669980dbde14895842057b912b58146be01b7ed90247078")
}

// UnpackWithdrawTooEarlyError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error WithdrawTooEarly(uint256 availableAt)
func (escrow *Escrow) UnpackWithdrawTooEarlyError(raw []byte) (*EscrowWithdrawTooEarly, error) {
	out := new(EscrowWithdrawTooEarly)
	if err := escrow.abi.UnpackIntoInterface(out, "WithdrawTooEarly", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// EscrowWrongSigner represents a WrongSigner error raised by the Escrow contract.
type EscrowWrongSigner struct {
	Signer   common.Address
	Expected common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error WrongSigner(address signer, address expected)
func EscrowWrongSignerErrorID() common.Hash {
	return common.HexToHash("0x366d29f7de543b1e5962d6f7315450f1f5ec3d853d28dca80282b4c242185268")
}

// UnpackWrongSignerError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error WrongSigner(address signer, address expected)
func (escrow *Escrow) UnpackWrongSignerError(raw []byte) (*EscrowWrongSigner, error) {
	out := new(EscrowWrongSigner)
	if err := escrow.abi.UnpackIntoInterface(out, "WrongSigner", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// EscrowZeroAddress represents a ZeroAddress error raised by the Escrow contract.
type EscrowZeroAddress struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ZeroAddress()
func EscrowZeroAddressErrorID() common.Hash {
	return common.HexToHash("0xd92e233df2717d4a40030e20904abd27b68fcbeede117eaaccbbdac9618c8c73")
}

// UnpackZeroAddressError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ZeroAddress()
func (escrow *Escrow) UnpackZeroAddressError(raw []byte) (*EscrowZeroAddress, error) {
	out := new(EscrowZeroAddress)
	if err := escrow.abi.UnpackIntoInterface(out, "ZeroAddress", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// EscrowZeroAmount represents a ZeroAmount error raised by the Escrow contract.
type EscrowZeroAmount struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ZeroAmount()
func EscrowZeroAmountErrorID() common.Hash {
	return common.HexToHash("0x1f2a2005cb66a8e145327e8814e243a0996aec9bfe1e15a495778b1236dbd485")
}

// UnpackZeroAmountError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ZeroAmount()
func (escrow *Escrow) UnpackZeroAmountError(raw []byte) (*EscrowZeroAmount, error) {
	out := new(EscrowZeroAmount)
	if err := escrow.abi.UnpackIntoInterface(out, "ZeroAmount", raw); err != nil {
		return nil, err
	}
	return out, nil
}
