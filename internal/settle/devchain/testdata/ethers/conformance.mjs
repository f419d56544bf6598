// conformance.mjs walks a standard Ethereum client (npm ethers v6) through
// what wallets and tools do against the dev chain: network, balances, fees,
// transfers, deploying and calling a contract, reverts and their data, logs
// in every standard filter form, storage, proofs, pending nonces, blocks by
// tag and hash, event subscriptions, and the standard "method not found".
//
// TestEthersConformance runs it with node. Environment:
//   DECO_RPC_URL      the dev chain's JSON-RPC URL
//   DECO_CHAIN_ID     its chain ID
//   DECO_PRIVATE_KEY  hex key of a funded account
//   DECO_TOKEN        the chain's own DecoToken (it has minted to the account)
//   DECO_CONTRACTS    the contracts/ folder: ethers from its node_modules,
//                     the DecoToken artifact from its build/
// It prints a JSON report on success; on the first failed check it prints
// "FAIL <check>: <why>" to stderr and exits 1.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const env = (name) => {
  const v = process.env[name];
  if (!v) {
    console.error(`FAIL setup: ${name} is not set`);
    process.exit(2);
  }
  return v;
};
const contracts = env('DECO_CONTRACTS');
const ethers = createRequire(path.join(contracts, 'package.json'))('ethers');
const {
  JsonRpcProvider, Wallet, ContractFactory, Contract, Interface,
  getAddress, zeroPadValue, toBeHex, solidityPackedKeccak256, id, isError,
} = ethers;

const report = { ethers: ethers.version, checks: [] };
let current = 'setup';

function fail(why) {
  throw new Error(why);
}
function expect(cond, why) {
  if (!cond) fail(why);
}
function eq(got, want, what) {
  if (got !== want) fail(`${what}: got ${String(got)}, want ${String(want)}`);
}
async function check(name, fn) {
  current = name;
  console.error(`check ${name}`);
  const started = Date.now();
  const detail = await fn();
  report.checks.push({ name, ms: Date.now() - started, ...(detail === undefined ? {} : { detail }) });
}
// rpcErrorCode is the JSON-RPC error code inside an ethers error.
function rpcErrorCode(err) {
  return err?.info?.error?.code ?? err?.error?.code ?? null;
}
async function rejects(promise, what) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  fail(`${what} succeeded`);
}

const chainId = BigInt(env('DECO_CHAIN_ID'));
const chainToken = getAddress(env('DECO_TOKEN'));
const artifact = (name) => ({
  abi: JSON.parse(readFileSync(path.join(contracts, 'build', name + '.abi'), 'utf8')),
  bin: '0x' + readFileSync(path.join(contracts, 'build', name + '.bin'), 'utf8').trim(),
});
const { abi: tokenAbi, bin: tokenBin } = artifact('DecoToken');
const tokenIface = new Interface(tokenAbi);
const transferTopic = id('Transfer(address,address,uint256)');
const approvalTopic = id('Approval(address,address,uint256)');
const addrTopic = (a) => zeroPadValue(a, 32);

// A provider as a tool makes one, with ethers' default options (request
// batching, its 250 ms request cache) except a short polling interval, as
// for any local chain.
const provider = new JsonRpcProvider(env('DECO_RPC_URL'), undefined, { pollingInterval: 50 });
const wallet = new Wallet(env('DECO_PRIVATE_KEY'), provider);
const me = wallet.address;
const stranger = Wallet.createRandom().address; // holds nothing

async function main() {
  await check('network', async () => {
    const net = await provider.getNetwork();
    eq(net.chainId, chainId, 'getNetwork().chainId');
    eq(BigInt(await provider.send('eth_chainId', [])), chainId, 'eth_chainId');
    eq(await provider.send('net_version', []), chainId.toString(), 'net_version');
    const v = await provider.send('web3_clientVersion', []);
    expect(typeof v === 'string' && v.length > 0, `web3_clientVersion = ${JSON.stringify(v)}`);
    eq(await provider.send('eth_syncing', []), false, 'eth_syncing');
    const accounts = await provider.send('eth_accounts', []);
    expect(Array.isArray(accounts) && accounts.length === 0, `eth_accounts = ${JSON.stringify(accounts)}`);
  });

  await check('balances', async () => {
    const bal = await provider.getBalance(me);
    expect(bal > 0n, `balance of the funded account is ${bal}`);
    eq(await provider.getBalance(me, 0), 0n, 'balance at genesis (funded later)');
    eq(await provider.getBalance(stranger), 0n, 'balance of a fresh address');
    return { balance: bal.toString() };
  });

  await check('fees', async () => {
    const fee = await provider.getFeeData();
    expect(fee.gasPrice > 0n && fee.maxFeePerGas > 0n && fee.maxPriorityFeePerGas > 0n,
      `getFeeData = ${JSON.stringify(fee.toJSON())}`);
    const gasPrice = BigInt(await provider.send('eth_gasPrice', []));
    const tip = BigInt(await provider.send('eth_maxPriorityFeePerGas', []));
    const head = await provider.getBlock('latest');
    expect(tip > 0n, `eth_maxPriorityFeePerGas = ${tip}`);
    expect(gasPrice >= head.baseFeePerGas, `eth_gasPrice ${gasPrice} under the base fee ${head.baseFeePerGas}`);
    const hist = await provider.send('eth_feeHistory', ['0x4', 'latest', [25, 75]]);
    const n = Math.min(4, head.number + 1);
    eq(BigInt(hist.oldestBlock), BigInt(head.number + 1 - n), 'eth_feeHistory oldestBlock');
    eq(hist.baseFeePerGas.length, n + 1, 'eth_feeHistory baseFeePerGas entries');
    eq(hist.gasUsedRatio.length, n, 'eth_feeHistory gasUsedRatio entries');
    eq(hist.reward.length, n, 'eth_feeHistory reward entries');
    eq(hist.reward[0].length, 2, 'eth_feeHistory percentiles per block');
    eq(BigInt(hist.baseFeePerGas[n - 1]), head.baseFeePerGas, 'eth_feeHistory base fee of the head');
    return { gasPrice: gasPrice.toString(), tip: tip.toString() };
  });

  let transfer;
  await check('transfer', async () => {
    const to = Wallet.createRandom().address;
    const before = await provider.getBalance(me);
    const tx = await wallet.sendTransaction({ to, value: 12345n });
    const r = await tx.wait();
    eq(r.status, 1, 'receipt status');
    eq(r.gasUsed, 21000n, 'receipt gasUsed');
    eq(r.from, me, 'receipt from');
    eq(r.to, to, 'receipt to');
    eq(r.logs.length, 0, 'receipt logs');
    eq(r.contractAddress, null, 'receipt contractAddress');
    eq(await provider.getBalance(to), 12345n, 'recipient balance');
    eq(await provider.getBalance(me), before - 12345n - r.gasUsed * r.gasPrice, 'sender balance after value and fee');
    const got = await provider.getTransaction(tx.hash);
    eq(got.hash, tx.hash, 'getTransaction hash');
    eq(got.from, me, 'getTransaction from');
    eq(got.blockNumber, r.blockNumber, 'getTransaction blockNumber');
    eq(got.blockHash, r.blockHash, 'getTransaction blockHash');
    eq(got.nonce, tx.nonce, 'getTransaction nonce');
    eq(got.type, 2, 'getTransaction type');
    // Mined before the send answered. (Not through tx.confirmations():
    // ethers serves eth_blockNumber from its 250 ms request cache.)
    eq(Number(await provider.send('eth_blockNumber', [])), r.blockNumber, 'head after the transfer');
    const again = await provider.getTransactionReceipt(tx.hash);
    eq(again.hash, tx.hash, 'getTransactionReceipt hash');
    eq(await provider.getTransactionReceipt(id('never sent')), null, 'receipt of an unknown transaction');
    eq(await provider.getTransaction(id('never sent')), null, 'an unknown transaction');
    transfer = r;
  });

  await check('legacy transfer', async () => {
    // Type 0 with an EIP-155 chain ID, as older wallets send.
    const gasPrice = (await provider.getFeeData()).gasPrice;
    const tx = await wallet.sendTransaction({ to: stranger, value: 1n, type: 0, gasPrice });
    const r = await tx.wait();
    eq(r.status, 1, 'receipt status');
    eq((await provider.getTransaction(tx.hash)).type, 0, 'type');
    // Access-list transactions (type 1) too.
    const tx1 = await wallet.sendTransaction({ to: stranger, value: 1n, type: 1, gasPrice, accessList: [] });
    eq((await tx1.wait()).status, 1, 'type 1 receipt status');
  });

  // Deploy, then at once send from the same account: the next transaction
  // takes the pending nonce ethers picks right after the deployment.
  let token, deployReceipt, faucetReceipt;
  const minted = 1000n * 10n ** 18n;
  await check('deploy then send at once', async () => {
    const nonce = await provider.getTransactionCount(me, 'pending');
    const factory = new ContractFactory(tokenAbi, tokenBin, wallet);
    token = await factory.deploy(true);
    const deployTx = token.deploymentTransaction();
    eq(deployTx.nonce, nonce, 'deployment nonce');
    const faucetTx = await token.faucet(minted); // no wait for the deployment
    eq(faucetTx.nonce, nonce + 1, 'nonce of the transaction after the deployment');
    await token.waitForDeployment();
    deployReceipt = await deployTx.wait();
    faucetReceipt = await faucetTx.wait();
    eq(deployReceipt.status, 1, 'deployment status');
    eq(deployReceipt.contractAddress, await token.getAddress(), 'receipt contractAddress');
    eq(faucetReceipt.status, 1, 'faucet status');
    const code = await provider.getCode(await token.getAddress());
    expect(code.length > 2, 'no code at the deployed address');
    eq(await provider.getCode(await token.getAddress(), deployReceipt.blockNumber - 1), '0x', 'code before the deployment');
    eq(await provider.getTransactionCount(me, 'pending'), nonce + 2, 'pending nonce after both');
    return { address: await token.getAddress(), nonce };
  });

  await check('call', async () => {
    eq(await token.name(), 'Deco Dev Token', 'name()');
    eq(await token.symbol(), 'DECO', 'symbol()');
    eq(await token.decimals(), 18n, 'decimals()');
    eq(await token.devnet(), true, 'devnet()');
    eq(await token.balanceOf(me), minted, 'balanceOf(me)');
    eq(await token.totalSupply(), minted, 'totalSupply()');
  });

  await check('call at a block tag', async () => {
    eq(await token.balanceOf(me, { blockTag: deployReceipt.blockNumber }), 0n, 'balance at the deployment block');
    eq(await token.balanceOf(me, { blockTag: faucetReceipt.blockNumber }), minted, 'balance at the faucet block');
    eq(await token.balanceOf(me, { blockTag: 'latest' }), minted, 'balance at latest');
    eq(await token.balanceOf(me, { blockTag: 'pending' }), minted, 'balance at pending');
    eq(await token.balanceOf(me, { blockTag: 'safe' }), minted, 'balance at safe');
    eq(await token.balanceOf(me, { blockTag: 'finalized' }), minted, 'balance at finalized');
    const block = await provider.getBlock(faucetReceipt.blockNumber);
    const raw = await provider.send('eth_call', [
      { to: await token.getAddress(), data: tokenIface.encodeFunctionData('balanceOf', [me]) },
      { blockHash: block.hash },
    ]);
    eq(BigInt(raw), minted, 'eth_call at a block hash (EIP-1898)');
  });

  let sends;
  await check('pending nonces, back-to-back sends', async () => {
    // Four transactions sent one after another without waiting for any:
    // the nonce ethers picks for each is the pending one.
    const start = await provider.getTransactionCount(me, 'pending');
    eq(await provider.getTransactionCount(me, 'latest'), start, 'latest nonce (every transaction is mined at once)');
    const txs = [];
    txs.push(await token.transfer(stranger, 1n));
    txs.push(await wallet.sendTransaction({ to: stranger, value: 1n }));
    txs.push(await token.approve(stranger, 5n));
    txs.push(await token.transfer(stranger, 2n));
    txs.forEach((tx, i) => eq(tx.nonce, start + i, `nonce of send ${i}`));
    sends = await Promise.all(txs.map((tx) => tx.wait()));
    sends.forEach((r, i) => eq(r.status, 1, `status of send ${i}`));
    eq(await provider.getTransactionCount(me, 'pending'), start + txs.length, 'pending nonce after the sends');
    eq(await token.balanceOf(stranger), 3n, 'stranger token balance');
    return { start, sent: txs.length };
  });

  await check('revert data', async () => {
    const addr = await token.getAddress();
    const readOnly = new Contract(addr, tokenAbi, provider);
    // eth_call from an account without tokens: InsufficientBalance(0, 1).
    const empty = Wallet.createRandom().address;
    let err = await rejects(readOnly.transfer.staticCall(me, 1n, { from: empty }), 'transfer without tokens (call)');
    expect(isError(err, 'CALL_EXCEPTION'), `call error ${err.code}: ${err.message}`);
    eq(err.revert?.name, 'InsufficientBalance', 'decoded custom error (call)');
    eq(err.revert.args[0], 0n, 'InsufficientBalance.balance');
    eq(err.revert.args[1], 1n, 'InsufficientBalance.needed');
    eq(err.data, tokenIface.encodeErrorResult('InsufficientBalance', [0n, 1n]), 'revert data (call)');
    // eth_estimateGas, as every send does first.
    err = await rejects(token.transfer.estimateGas(stranger, minted * 2n), 'transfer beyond the balance (estimate)');
    expect(isError(err, 'CALL_EXCEPTION'), `estimate error ${err.code}: ${err.message}`);
    // (ethers decodes custom errors of calls only; the data is there.)
    let decoded = tokenIface.parseError(err.data ?? '0x');
    eq(decoded?.name, 'InsufficientBalance', 'custom error in the revert data (estimate)');
    eq(decoded.args[1], minted * 2n, 'InsufficientBalance.needed (estimate)');
    // A send that estimates first fails the same way, before it is signed.
    err = await rejects(token.faucet(minted + 1n), 'faucet over its cap (send)');
    expect(isError(err, 'CALL_EXCEPTION'), `send error ${err.code}: ${err.message}`);
    decoded = tokenIface.parseError(err.data ?? '0x');
    eq(decoded?.name, 'FaucetCapExceeded', 'custom error in the revert data (send)');
    eq(decoded.args[0], minted + 1n, 'FaucetCapExceeded.requested');
    // A reverting transaction sent with its own gas limit is mined with a
    // failed receipt; wait() reports it.
    const tx = await token.transfer(stranger, minted * 2n, { gasLimit: 100000n });
    err = await rejects(tx.wait(), 'waiting for a reverted transaction');
    expect(isError(err, 'CALL_EXCEPTION'), `wait error ${err.code}: ${err.message}`);
    eq(err.receipt?.status, 0, 'status of the reverted transaction');
    eq(await provider.getTransactionCount(me, 'pending'), tx.nonce + 1, 'a reverted transaction uses its nonce');
  });

  await check('getLogs filter forms', async () => {
    const addr = await token.getAddress();
    const all = await provider.getLogs({ address: addr, fromBlock: 0 });
    // OwnershipTransferred, the faucet's Transfer, two Transfers and an Approval.
    eq(all.length, 5, 'logs of the token (address only)');
    const counts = {};
    const q = async (name, filter, want) => {
      const logs = await provider.send('eth_getLogs', [filter]);
      counts[name] = logs.length;
      eq(logs.length, want, `eth_getLogs ${name}`);
      return logs;
    };
    const hex = (n) => ethers.toQuantity(n);
    await q('address only', { address: addr, fromBlock: 'earliest' }, 5);
    await q('address array', { address: [addr, chainToken], fromBlock: 'earliest', topics: [transferTopic, null, addrTopic(me)] }, 2);
    await q('no address', { fromBlock: 'earliest', topics: [transferTopic, null, addrTopic(me)] }, 2);
    await q('bare topic', { address: addr, fromBlock: 'earliest', topics: [transferTopic] }, 3);
    await q('topic with null', { address: addr, fromBlock: 'earliest', topics: [null, addrTopic(me)] }, 3);
    await q('topic array (or)', { address: addr, fromBlock: 'earliest', topics: [[transferTopic, approvalTopic]] }, 4);
    await q('topic arrays per position', { address: addr, fromBlock: 'earliest', topics: [[transferTopic], [addrTopic(me), zeroPadValue('0x', 32)], [addrTopic(stranger)]] }, 2);
    await q('empty topics', { address: addr, fromBlock: 'earliest', topics: [] }, 5);
    await q('blockHash', { blockHash: faucetReceipt.blockHash }, 1);
    await q('blockHash and address', { blockHash: faucetReceipt.blockHash, address: chainToken }, 0);
    await q('fromBlock/toBlock numbers', { address: addr, fromBlock: hex(faucetReceipt.blockNumber), toBlock: hex(faucetReceipt.blockNumber) }, 1);
    await q('toBlock latest', { address: addr, fromBlock: hex(deployReceipt.blockNumber), toBlock: 'latest' }, 5);
    await q('default range is latest', { address: addr }, 0);
    await q('safe and finalized', { address: addr, fromBlock: 'earliest', toBlock: 'finalized' }, 5);
    await q('pending', { address: addr, fromBlock: 'pending', toBlock: 'pending' }, 0);
    await q('range before the deployment', { address: addr, fromBlock: 'earliest', toBlock: hex(deployReceipt.blockNumber - 1) }, 0);
    const both = await provider.send('eth_getLogs', [{ blockHash: faucetReceipt.blockHash, fromBlock: 'earliest' }]).catch((e) => e);
    expect(both instanceof Error, 'eth_getLogs with blockHash and fromBlock succeeded');
    // Through ethers' own queryFilter.
    const transfers = await token.queryFilter(token.filters.Transfer(), 0);
    eq(transfers.length, 3, 'queryFilter Transfer()');
    eq(transfers[0].args.to, me, 'first Transfer to');
    eq(transfers[0].args.value, minted, 'first Transfer value');
    eq((await token.queryFilter(token.filters.Transfer(null, stranger), 0, 'latest')).length, 2, 'queryFilter Transfer(null, stranger)');
    eq((await token.queryFilter(token.filters.Transfer(me), 0)).length, 2, 'queryFilter Transfer(me)');
    eq((await token.queryFilter(token.filters.Approval(), faucetReceipt.blockNumber, 'latest')).length, 1, 'queryFilter Approval()');
    eq((await provider.getLogs({ blockHash: faucetReceipt.blockHash, address: addr, topics: [transferTopic] })).length, 1, 'getLogs by block hash');
    const lg = transfers[1];
    const r = await provider.getTransactionReceipt(lg.transactionHash);
    eq(r.logs[0].index, lg.index, 'log index in receipt and getLogs');
    eq(r.logs[0].blockHash, lg.blockHash, 'log blockHash in receipt and getLogs');
    return counts;
  });

  await check('getStorageAt', async () => {
    const addr = await token.getAddress();
    // DecoToken's layout: owner at slot 0, totalSupply at 1, balanceOf at 2.
    eq(await provider.getStorage(addr, 0), zeroPadValue(me.toLowerCase(), 32), 'slot 0 (owner)');
    eq(BigInt(await provider.getStorage(addr, 1)), minted, 'slot 1 (totalSupply)');
    const slot = solidityPackedKeccak256(['uint256', 'uint256'], [me, 2]);
    eq(BigInt(await provider.getStorage(addr, slot)), minted - 3n, 'balanceOf[me] slot');
    eq(BigInt(await provider.getStorage(addr, 1, deployReceipt.blockNumber)), 0n, 'slot 1 at the deployment block');
  });

  await check('eth_getProof', async () => {
    const addr = await token.getAddress();
    // (TestEthclientConformance verifies the proofs against the state root.)
    const proof = await provider.send('eth_getProof', [addr, [toBeHex(1, 32)], 'latest']);
    eq(getAddress(proof.address), addr, 'proof address');
    expect(proof.accountProof.length > 0, 'empty account proof');
    eq(BigInt(proof.nonce), 1n, 'proof nonce (a contract starts at 1)');
    eq(proof.codeHash, ethers.keccak256(await provider.getCode(addr)), 'proof codeHash');
    eq(proof.storageProof.length, 1, 'storage proofs');
    eq(BigInt(proof.storageProof[0].value), minted, 'proved slot 1 (totalSupply)');
    expect(proof.storageProof[0].proof.length > 0, 'empty storage proof');
    eq(proof.storageProof[0].key, toBeHex(1, 32), 'proved key as sent');
    return { accountProofNodes: proof.accountProof.length };
  });

  await check('blocks by tag and hash', async () => {
    const latest = await provider.getBlock('latest');
    eq(latest.number, await provider.getBlockNumber(), 'latest block number');
    const earliest = await provider.getBlock('earliest');
    eq(earliest.number, 0, 'earliest block number');
    eq((await provider.getBlock(0)).hash, earliest.hash, 'block 0 by number');
    for (const tag of ['pending', 'safe', 'finalized']) {
      const b = await provider.getBlock(tag);
      expect(b !== null && b.number >= latest.number, `block ${tag} = ${b && b.number}`);
    }
    const byNumber = await provider.getBlock(transfer.blockNumber);
    eq(byNumber.hash, transfer.blockHash, 'block by number hash');
    const byHash = await provider.getBlock(transfer.blockHash, true);
    eq(byHash.number, transfer.blockNumber, 'block by hash number');
    eq(byHash.transactions[0], transfer.hash, 'block by hash transactions');
    eq(byHash.prefetchedTransactions[0].hash, transfer.hash, 'full transaction objects');
    eq(byHash.prefetchedTransactions[0].from, me, 'full transaction from');
    eq(byHash.parentHash, (await provider.getBlock(transfer.blockNumber - 1)).hash, 'parent hash');
    eq(await provider.getBlock(latest.number + 1000), null, 'a block beyond the head');
    eq(await provider.getBlock(id('no such block')), null, 'an unknown block hash');
    const viaReceipt = await (await provider.getTransactionReceipt(transfer.hash)).getBlock();
    eq(viaReceipt.hash, transfer.blockHash, 'receipt.getBlock()');
    return { head: latest.number };
  });

  await check('event subscription', async () => {
    // contract.on polls eth_newFilter / eth_getFilterChanges; block events
    // poll eth_blockNumber.
    const seen = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no Transfer event within 10 s')), 10000);
      // (A listener on a topic filter gets the log alone: decode it.)
      token.on(token.filters.Transfer(me, stranger), (...args) => {
        clearTimeout(timer);
        const log = args.at(-1)?.log;
        const parsed = log && tokenIface.parseLog(log);
        if (parsed) resolve({ from: parsed.args[0], to: parsed.args[1], value: parsed.args[2], block: log.blockNumber });
        else reject(new Error(`listener called with ${args}`));
      });
    });
    const block = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no block event within 10 s')), 10000);
      provider.once('block', (n) => {
        clearTimeout(timer);
        resolve(n);
      });
    });
    await new Promise((r) => setTimeout(r, 300)); // let the filters install
    const r = await (await token.transfer(stranger, 7n)).wait();
    const ev = await seen;
    eq(ev.from, me, 'event from');
    eq(ev.to, stranger, 'event to');
    eq(ev.value, 7n, 'event value');
    eq(ev.block, r.blockNumber, 'event block');
    const n = await block;
    expect(n >= r.blockNumber - 1, `block event ${n}`);
    await token.removeAllListeners();
    await provider.removeAllListeners();
  });

  await check('unknown method', async () => {
    const err = await rejects(provider.send('eth_noSuchMethod', []), 'eth_noSuchMethod');
    eq(rpcErrorCode(err), -32601, `error code (${err.message})`);
  });
}

main().then(() => {
  provider.destroy();
  console.log(JSON.stringify(report));
}, (err) => {
  provider.destroy();
  console.error(`FAIL ${current}: ${err.message}`);
  process.exit(1);
});
