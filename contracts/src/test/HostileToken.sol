// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title HostileToken
/// @notice Test-only ERC-20 that misbehaves on demand: it re-enters a target
/// (e.g. the Escrow) during transfer and transferFrom, can return no bool like
/// old tokens do, or can return false. Never deploy outside tests.
contract HostileToken {
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    address public attackTarget;
    bytes public attackData;
    bool public bubbleRevert; // true: a failed attack reverts the transfer; false: it is swallowed
    bool public returnNothing;
    bool public returnFalse;

    bool private attacking;
    uint256 public attacks; // attack calls made
    bool public lastAttackOk;
    bytes public lastAttackResult;

    event Transfer(address indexed from, address indexed to, uint256 value);

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    function setAttack(address target, bytes calldata data, bool bubble) external {
        attackTarget = target;
        attackData = data;
        bubbleRevert = bubble;
    }

    function setReturn(bool nothing, bool fail) external {
        returnNothing = nothing;
        returnFalse = fail;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        return true;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        _move(msg.sender, to, amount);
        return _result();
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        require(allowance[from][msg.sender] >= amount, "allowance");
        allowance[from][msg.sender] -= amount;
        _move(from, to, amount);
        return _result();
    }

    function _move(address from, address to, uint256 amount) private {
        require(balanceOf[from] >= amount, "balance");
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
        emit Transfer(from, to, amount);
        if (attackTarget != address(0) && !attacking) {
            attacking = true;
            attacks++;
            (bool ok, bytes memory ret) = attackTarget.call(attackData);
            attacking = false;
            lastAttackOk = ok;
            lastAttackResult = ret;
            if (!ok && bubbleRevert) {
                assembly {
                    revert(add(ret, 32), mload(ret))
                }
            }
        }
    }

    function _result() private view returns (bool) {
        if (returnNothing) {
            assembly {
                return(0, 0)
            }
        }
        return !returnFalse;
    }
}
