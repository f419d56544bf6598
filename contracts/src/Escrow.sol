// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Escrow
/// @notice deco's settlement contract. A requester deposits tokens on a channel
/// to one provider; the provider redeems EIP-712 signed cumulative vouchers;
/// the requester withdraws what is left after a timed withdrawal window.
/// Providers stake tokens that a quorum of registered validators can slash.
contract Escrow {
    /// @notice One payment channel from a requester to a provider.
    struct Channel {
        uint256 balance; // tokens held for the provider
        uint256 claimed; // highest cumulative voucher amount redeemed
        uint256 paid; // tokens actually paid to the provider (paid <= claimed)
        uint256 withdrawAmount; // pending withdrawal request, 0 if none
        uint256 withdrawAt; // time the pending withdrawal may be executed
    }

    /// @notice A provider's stake.
    struct Stake {
        uint256 amount; // slashable stake, including any amount requested for unstake
        uint256 unstakeAmount; // pending unstake request, 0 if none
        uint256 unstakeAt; // time the pending unstake may be executed
    }

    bytes32 public constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 public constant VOUCHER_TYPEHASH =
        keccak256("Voucher(address requester,address provider,uint256 cumulativeAmount)");
    bytes32 public constant VERDICT_TYPEHASH =
        keccak256("Verdict(address provider,uint256 amount,bytes32 disputeId,address beneficiary)");
    bytes32 private constant NAME_HASH = keccak256("deco-escrow");
    bytes32 private constant VERSION_HASH = keccak256("1");
    /// @dev secp256k1 curve order divided by two; signatures with a larger s are malleable.
    uint256 private constant HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;
    uint256 public constant MAX_VALIDATORS = 256;

    address public immutable token;
    uint256 public immutable withdrawDelay;
    uint256 public immutable unstakeDelay;
    uint256 public immutable quorum;

    uint256 private immutable cachedChainId;
    bytes32 private immutable cachedDomainSeparator;

    address[] private validatorList;
    /// @dev validator address => index in validatorList + 1 (0: not a validator).
    mapping(address => uint256) private validatorSlot;

    mapping(address => mapping(address => Channel)) private channelOf;
    mapping(address => Stake) private stakeOf;
    mapping(bytes32 => bool) public disputeUsed;

    uint256 private lock = 1;

    event Deposited(address indexed requester, address indexed provider, uint256 amount, uint256 balance);
    event Redeemed(
        address indexed requester, address indexed provider, uint256 cumulativeAmount, uint256 paid, uint256 owed
    );
    event WithdrawRequested(address indexed requester, address indexed provider, uint256 amount, uint256 availableAt);
    event Withdrawn(address indexed requester, address indexed provider, uint256 amount);
    event Staked(address indexed provider, uint256 amount, uint256 total);
    event UnstakeRequested(address indexed provider, uint256 amount, uint256 availableAt);
    event Unstaked(address indexed provider, uint256 amount);
    event Slashed(address indexed provider, bytes32 indexed disputeId, address indexed beneficiary, uint256 amount);

    error Reentrancy();
    error ZeroAmount();
    error ZeroAddress();
    error NotAContract(address token);
    error BadQuorum(uint256 quorum, uint256 validators);
    error TooManyValidators(uint256 count);
    error DuplicateValidator(address validator);
    error NotProvider(address caller, address provider);
    error InvalidSignature();
    error MalleableSignature();
    error WrongSigner(address signer, address expected);
    error VoucherReplayed(uint256 cumulativeAmount);
    error VoucherTooLow(uint256 cumulativeAmount, uint256 claimed);
    error NoWithdrawRequest();
    error WithdrawTooEarly(uint256 availableAt);
    error InsufficientStake(uint256 stake, uint256 needed);
    error NoUnstakeRequest();
    error UnstakeTooEarly(uint256 availableAt);
    error SlashingDisabled();
    error DisputeUsed(bytes32 disputeId);
    error UnknownValidator(address signer);
    error TooFewSignatures(uint256 valid, uint256 quorum);
    error TransferFailed();

    modifier nonReentrant() {
        if (lock != 1) revert Reentrancy();
        lock = 2;
        _;
        lock = 1;
    }

    constructor(
        address token_,
        uint256 withdrawDelay_,
        uint256 unstakeDelay_,
        address[] memory validators_,
        uint256 quorum_
    ) {
        if (token_.code.length == 0) revert NotAContract(token_);
        if (validators_.length > MAX_VALIDATORS) revert TooManyValidators(validators_.length);
        // No validators means slashing is disabled (quorum 0); otherwise 1 <= quorum <= validators.
        if (quorum_ > validators_.length || (quorum_ == 0) != (validators_.length == 0)) {
            revert BadQuorum(quorum_, validators_.length);
        }
        for (uint256 i = 0; i < validators_.length; i++) {
            address v = validators_[i];
            if (v == address(0)) revert ZeroAddress();
            if (validatorSlot[v] != 0) revert DuplicateValidator(v);
            validatorList.push(v);
            validatorSlot[v] = i + 1;
        }
        token = token_;
        withdrawDelay = withdrawDelay_;
        unstakeDelay = unstakeDelay_;
        quorum = quorum_;
        cachedChainId = block.chainid;
        cachedDomainSeparator = _buildDomainSeparator();
    }

    // ---------------------------------------------------------------- views

    /// @notice The EIP-712 domain separator (name "deco-escrow", version "1").
    function domainSeparator() public view returns (bytes32) {
        return block.chainid == cachedChainId ? cachedDomainSeparator : _buildDomainSeparator();
    }

    /// @notice The EIP-712 digest a requester signs for a voucher.
    function voucherDigest(address requester, address provider, uint256 cumulativeAmount)
        public
        view
        returns (bytes32)
    {
        return _typedDataHash(keccak256(abi.encode(VOUCHER_TYPEHASH, requester, provider, cumulativeAmount)));
    }

    /// @notice The EIP-712 digest validators sign for a slashing verdict.
    function verdictDigest(address provider, uint256 amount, bytes32 disputeId, address beneficiary)
        public
        view
        returns (bytes32)
    {
        return _typedDataHash(keccak256(abi.encode(VERDICT_TYPEHASH, provider, amount, disputeId, beneficiary)));
    }

    /// @notice The channel from requester to provider.
    function channel(address requester, address provider) external view returns (Channel memory) {
        return channelOf[requester][provider];
    }

    /// @notice The stake of provider.
    function stakes(address provider) external view returns (Stake memory) {
        return stakeOf[provider];
    }

    /// @notice The registered validators.
    function validators() external view returns (address[] memory) {
        return validatorList;
    }

    /// @notice Whether account is a registered validator.
    function isValidator(address account) external view returns (bool) {
        return validatorSlot[account] != 0;
    }

    // ------------------------------------------------------------- channels

    /// @notice Adds amount (pulled from the caller) to the caller's channel to provider.
    function deposit(address provider, uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        if (provider == address(0)) revert ZeroAddress();
        Channel storage ch = channelOf[msg.sender][provider];
        ch.balance += amount;
        emit Deposited(msg.sender, provider, amount, ch.balance);
        _pull(msg.sender, amount);
    }

    /// @notice Pays the provider the difference between a requester-signed cumulative
    /// voucher and what was already paid, as far as the channel balance allows.
    /// What the balance cannot cover stays owed; the same voucher (or a higher one)
    /// pays it after a top-up. A voucher at or below what was paid is a replay.
    function redeem(address requester, address provider, uint256 cumulativeAmount, bytes calldata signature)
        external
        nonReentrant
    {
        if (msg.sender != provider) revert NotProvider(msg.sender, provider);
        Channel storage ch = channelOf[requester][provider];
        uint256 claimed = ch.claimed;
        uint256 alreadyPaid = ch.paid;
        if (cumulativeAmount < claimed) revert VoucherTooLow(cumulativeAmount, claimed);
        if (cumulativeAmount <= alreadyPaid) revert VoucherReplayed(cumulativeAmount);
        address signer = _recover(voucherDigest(requester, provider, cumulativeAmount), signature);
        if (signer != requester) revert WrongSigner(signer, requester);

        uint256 due = cumulativeAmount - alreadyPaid;
        uint256 bal = ch.balance;
        uint256 pay = due < bal ? due : bal;
        ch.claimed = cumulativeAmount;
        ch.paid = alreadyPaid + pay;
        ch.balance = bal - pay;
        emit Redeemed(requester, provider, cumulativeAmount, pay, due - pay);
        if (pay > 0) _push(provider, pay);
    }

    /// @notice Starts (or replaces) a withdrawal of up to amount from the caller's
    /// channel to provider; it can be executed after withdrawDelay, and the
    /// provider can still redeem in the meantime.
    function requestWithdraw(address provider, uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        Channel storage ch = channelOf[msg.sender][provider];
        uint256 at = block.timestamp + withdrawDelay;
        ch.withdrawAmount = amount;
        ch.withdrawAt = at;
        emit WithdrawRequested(msg.sender, provider, amount, at);
    }

    /// @notice Executes the caller's pending withdrawal: pays min(requested, balance left).
    function withdraw(address provider) external nonReentrant {
        Channel storage ch = channelOf[msg.sender][provider];
        uint256 requested = ch.withdrawAmount;
        if (requested == 0) revert NoWithdrawRequest();
        if (block.timestamp < ch.withdrawAt) revert WithdrawTooEarly(ch.withdrawAt);
        uint256 bal = ch.balance;
        uint256 amount = requested < bal ? requested : bal;
        ch.withdrawAmount = 0;
        ch.withdrawAt = 0;
        ch.balance = bal - amount;
        emit Withdrawn(msg.sender, provider, amount);
        if (amount > 0) _push(msg.sender, amount);
    }

    // ---------------------------------------------------------------- stake

    /// @notice Adds amount (pulled from the caller) to the caller's stake.
    function stake(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        Stake storage st = stakeOf[msg.sender];
        st.amount += amount;
        emit Staked(msg.sender, amount, st.amount);
        _pull(msg.sender, amount);
    }

    /// @notice Starts (or replaces) an unstake of amount, executable after
    /// unstakeDelay; the stake stays slashable until then.
    function requestUnstake(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        Stake storage st = stakeOf[msg.sender];
        if (amount > st.amount) revert InsufficientStake(st.amount, amount);
        uint256 at = block.timestamp + unstakeDelay;
        st.unstakeAmount = amount;
        st.unstakeAt = at;
        emit UnstakeRequested(msg.sender, amount, at);
    }

    /// @notice Executes the caller's pending unstake: pays min(requested, stake left).
    function unstake() external nonReentrant {
        Stake storage st = stakeOf[msg.sender];
        uint256 requested = st.unstakeAmount;
        if (requested == 0) revert NoUnstakeRequest();
        if (block.timestamp < st.unstakeAt) revert UnstakeTooEarly(st.unstakeAt);
        uint256 amount = requested < st.amount ? requested : st.amount;
        st.unstakeAmount = 0;
        st.unstakeAt = 0;
        st.amount -= amount;
        emit Unstaked(msg.sender, amount);
        if (amount > 0) _push(msg.sender, amount);
    }

    /// @notice Moves amount of provider's stake to beneficiary on a Verdict signed by
    /// at least quorum distinct registered validators. Each disputeId is used once.
    function slash(
        address provider,
        uint256 amount,
        bytes32 disputeId,
        address beneficiary,
        bytes[] calldata signatures
    ) external nonReentrant {
        if (quorum == 0) revert SlashingDisabled();
        if (amount == 0) revert ZeroAmount();
        if (beneficiary == address(0)) revert ZeroAddress();
        if (disputeUsed[disputeId]) revert DisputeUsed(disputeId);
        Stake storage st = stakeOf[provider];
        if (amount > st.amount) revert InsufficientStake(st.amount, amount);

        bytes32 digest = verdictDigest(provider, amount, disputeId, beneficiary);
        uint256 seen; // bitmap of validator indexes (at most 256 validators)
        for (uint256 i = 0; i < signatures.length; i++) {
            address signer = _recover(digest, signatures[i]);
            uint256 slot = validatorSlot[signer];
            if (slot == 0) revert UnknownValidator(signer);
            uint256 bit = 1 << (slot - 1);
            if (seen & bit != 0) revert DuplicateValidator(signer);
            seen |= bit;
        }
        if (signatures.length < quorum) revert TooFewSignatures(signatures.length, quorum);

        disputeUsed[disputeId] = true;
        st.amount -= amount;
        emit Slashed(provider, disputeId, beneficiary, amount);
        _push(beneficiary, amount);
    }

    // ------------------------------------------------------------- internal

    function _buildDomainSeparator() private view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this)));
    }

    function _typedDataHash(bytes32 structHash) private view returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator(), structHash));
    }

    /// @dev Recovers the signer of a 65-byte r||s||v signature, rejecting
    /// malleable ones: s must be in the lower half of the curve order and v 27 or 28.
    function _recover(bytes32 digest, bytes calldata sig) private pure returns (address) {
        if (sig.length != 65) revert InvalidSignature();
        bytes32 r = bytes32(sig[0:32]);
        bytes32 s = bytes32(sig[32:64]);
        uint8 v = uint8(sig[64]);
        if (uint256(s) > HALF_ORDER) revert MalleableSignature();
        if (v != 27 && v != 28) revert MalleableSignature();
        address signer = ecrecover(digest, v, r, s);
        if (signer == address(0)) revert InvalidSignature();
        return signer;
    }

    /// @dev Pulls amount from `from`; tolerates tokens that return no bool.
    function _pull(address from, uint256 amount) private {
        _call(abi.encodeWithSelector(0x23b872dd, from, address(this), amount)); // transferFrom
    }

    /// @dev Pays amount to `to`; tolerates tokens that return no bool.
    function _push(address to, uint256 amount) private {
        _call(abi.encodeWithSelector(0xa9059cbb, to, amount)); // transfer
    }

    function _call(bytes memory data) private {
        (bool ok, bytes memory ret) = token.call(data);
        if (!ok || (ret.length != 0 && (ret.length != 32 || abi.decode(ret, (uint256)) != 1))) {
            revert TransferFailed();
        }
    }
}
