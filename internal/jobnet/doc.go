// Package jobnet is the job network: a private IPv4 subnet per job that
// lets the tasks of a multi-task job, running in containers on different
// providers, reach each other.
//
// # Addressing
//
// Every job gets a /22 inside a range (DefaultRange, 100.64.0.0/10, the
// carrier-grade NAT block that no task's real network uses), picked by
// hashing the job ID, so that every provider computes the same subnet
// without talking to anyone. Task i has the subnet's base address + 1 + i.
// Two jobs may hash to the same /22: each job lives in its own network
// namespaces and every packet is routed within one job, so that is harmless.
//
// # Interfaces and forwarding
//
// For each local task, Service.Join creates a TUN interface named Interface
// in the task's network namespace, with the task's address, the subnet's
// prefix length and MTU. The provider reads the IP packets the task sends
// from the TUN file, and drops any that is not IPv4, whose source is not the
// task's own address or whose destination is not another task of the job.
// A packet for a task on this provider is written straight to that task's
// TUN; one for a task elsewhere is queued for that task's provider.
//
// # Streams and frames
//
// Per job and remote provider there is one outbound libp2p stream (Protocol),
// dialled when the job's first task joins here and redialled every 150 ms
// until the remote accepts it (the remote may not know the job yet) and
// whenever it breaks, until the job's last local task leaves. A sender goroutine writes the queued packets through a buffered
// writer and flushes only when the queue is empty. A stream starts with a
// header, one length byte and the job ID; the receiver answers one byte
// (ackOK) if it accepts, or resets the stream. After that the stream carries
// frames one way: a 2-byte big-endian length, then the payload. A payload
// whose first nibble is 4 is an IPv4 packet; one whose first byte is
// ctlJoined is a control message listing, as 2-byte big-endian task
// indices, the sender's tasks of the job that have joined.
//
// # Relays
//
// The streams need a libp2p connection between the two providers, direct
// or through a circuit relay when neither can dial the other (behind NATs
// or firewalls): the host given in Config dials through the node's relays
// (see p2p.Config.Relays), and a sender takes a "limited" relayed
// connection too (network.WithAllowLimitedConn) rather than wait for a
// direct one. The relay forwards the stream's encrypted bytes and can read
// none of them.
//
// # Authentication
//
// libp2p authenticates the remote peer and encrypts the stream. A receiver
// accepts a stream only for a job that has a task here and only from a peer
// that runs one of the job's tasks; it delivers a packet only if its source
// is the address of a task that the sending peer runs and its destination a
// task joined here, so a provider cannot spoof another's tasks or reach
// another job.
//
// # The start barrier
//
// A task counts as joined once its interface is up: at once for a local
// task, and for a remote one when its provider's joined message arrives.
// Link.Ready returns when every task of the job has joined, so that the
// provider can start all the job's programs together.
package jobnet
