// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ServiceRegistry: providers' pay-per-request services, listed from logs
/// @notice A provider (msg.sender, its chain address) registers a service
/// by name: its type, its price per request and per unit the response
/// reports (with the most units of one request), its verification type and
/// the provider's libp2p peer ID, where requesters reach it. Every change
/// emits an event, so anyone can list the services from the chain's logs;
/// the current terms are also readable by (provider, name). Payment is not
/// here: requests are paid with vouchers on the Escrow's channels.
contract ServiceRegistry {
    uint256 public constant MAX_NAME = 64;
    uint256 public constant MAX_FIELD = 16;
    uint256 public constant MAX_PEER_ID = 128;

    /// @notice A service's terms, as registered.
    struct Terms {
        string kind; // "http"
        uint256 price; // token units per request
        uint256 unitPrice; // token units per unit the response reports
        uint64 maxUnits; // the most units of one request
        string verification; // none, signature or replicate
        string peerId; // the provider's libp2p peer ID
    }

    struct Service {
        Terms terms;
        uint64 updatedAt;
        bool active;
    }

    /// provider => keccak256(name) => terms
    mapping(address => mapping(bytes32 => Service)) private services;
    /// how many services each provider has active
    mapping(address => uint256) public activeCount;

    event ServiceRegistered(address indexed provider, bytes32 indexed nameHash, string name, Terms terms);
    event ServiceRemoved(address indexed provider, bytes32 indexed nameHash, string name);

    error BadName();
    error BadField();
    error NoPrice();
    error UnitsWithoutMax();
    error NotRegistered();

    /// @notice Registers, or updates, the sender's service `name`.
    function register(string calldata name, Terms calldata t) external {
        uint256 n = bytes(name).length;
        if (n == 0 || n > MAX_NAME) revert BadName();
        if (bytes(t.kind).length == 0 || bytes(t.kind).length > MAX_FIELD) revert BadField();
        if (bytes(t.verification).length == 0 || bytes(t.verification).length > MAX_FIELD) revert BadField();
        if (bytes(t.peerId).length == 0 || bytes(t.peerId).length > MAX_PEER_ID) revert BadField();
        if (t.price == 0 && t.unitPrice == 0) revert NoPrice();
        if (t.unitPrice > 0 && t.maxUnits == 0) revert UnitsWithoutMax();
        bytes32 h = keccak256(bytes(name));
        Service storage s = services[msg.sender][h];
        if (!s.active) {
            activeCount[msg.sender] += 1;
        }
        s.terms = t;
        s.updatedAt = uint64(block.timestamp);
        s.active = true;
        emit ServiceRegistered(msg.sender, h, name, t);
    }

    /// @notice Removes the sender's service `name`.
    function remove(string calldata name) external {
        bytes32 h = keccak256(bytes(name));
        Service storage s = services[msg.sender][h];
        if (!s.active) revert NotRegistered();
        delete services[msg.sender][h];
        activeCount[msg.sender] -= 1;
        emit ServiceRemoved(msg.sender, h, name);
    }

    /// @notice The current terms of `provider`'s service `name` (active
    /// false: not registered).
    function serviceOf(address provider, string calldata name) external view returns (Service memory) {
        return services[provider][keccak256(bytes(name))];
    }
}
