// Package evm settles deco payments on an EVM chain through the Escrow
// contract in contracts/: EIP-712 vouchers and verdicts signed and verified
// off chain exactly as the contract does on chain, and (with the bindings in
// package bindings) deposits, redeems, withdrawals and stake.
package evm
