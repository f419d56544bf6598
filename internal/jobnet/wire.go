package jobnet

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
)

const (
	// maxJobID is the longest job ID a stream header can carry.
	maxJobID = 255
	// ackOK is the byte a receiver sends when it accepts a stream.
	ackOK = 1
	// ctlJoined starts a control payload listing the sender's joined tasks.
	ctlJoined = 0
)

// writeHeader writes a stream's header: one length byte, then jobID.
func writeHeader(w io.Writer, jobID string) error {
	if len(jobID) == 0 || len(jobID) > maxJobID {
		return fmt.Errorf("job id of %d bytes: want 1 to %d", len(jobID), maxJobID)
	}
	_, err := w.Write(append([]byte{byte(len(jobID))}, jobID...))
	return err
}

// readHeader reads a header written by writeHeader.
func readHeader(r io.Reader) (string, error) {
	var n [1]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return "", err
	}
	if n[0] == 0 {
		return "", errors.New("empty job id")
	}
	id := make([]byte, n[0])
	if _, err := io.ReadFull(r, id); err != nil {
		return "", err
	}
	return string(id), nil
}

// writeFrame writes payload p as one frame: a 2-byte big-endian length, then
// p. p must not be longer than MTU.
func writeFrame(w *bufio.Writer, p []byte) error {
	var n [2]byte
	binary.BigEndian.PutUint16(n[:], uint16(len(p)))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	_, err := w.Write(p)
	return err
}

// readFrame returns the next frame's payload from r without copying it: the
// payload is valid until the next read from r. r's buffer must hold at
// least 2+MTU bytes.
func readFrame(r *bufio.Reader) ([]byte, error) {
	n, err := r.Peek(2)
	if err != nil {
		return nil, err
	}
	size := 2 + int(binary.BigEndian.Uint16(n))
	p, err := r.Peek(size)
	if err != nil {
		return nil, noEOF(err)
	}
	r.Discard(size)
	return p[2:], nil
}

// noEOF turns an EOF inside a frame into io.ErrUnexpectedEOF.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// joinedMsg is the control payload announcing tasks.
func joinedMsg(tasks []int) []byte {
	p := make([]byte, 1, 1+2*len(tasks))
	p[0] = ctlJoined
	for _, t := range tasks {
		p = binary.BigEndian.AppendUint16(p, uint16(t))
	}
	return p
}

// parseJoined returns the tasks listed in a joinedMsg payload.
func parseJoined(p []byte) ([]int, error) {
	if len(p) == 0 || p[0] != ctlJoined || len(p)%2 != 1 {
		return nil, errors.New("malformed joined message")
	}
	tasks := make([]int, 0, len(p)/2)
	for i := 1; i < len(p); i += 2 {
		tasks = append(tasks, int(binary.BigEndian.Uint16(p[i:])))
	}
	return tasks, nil
}

// isIPv4 reports whether payload p is (at least the header of) an IPv4
// packet.
func isIPv4(p []byte) bool {
	return len(p) >= 20 && p[0]>>4 == 4
}

// ipv4Addrs returns an IPv4 packet's source and destination addresses.
func ipv4Addrs(p []byte) (src, dst netip.Addr, ok bool) {
	if !isIPv4(p) {
		return src, dst, false
	}
	return netip.AddrFrom4([4]byte(p[12:16])), netip.AddrFrom4([4]byte(p[16:20])), true
}
