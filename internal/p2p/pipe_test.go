package p2p

import (
	"io"
	"net"
	"testing"
)

// TestPipeCarriesBothWaysAndHalfCloses pipes two TCP connections: what
// one end sends after the other stopped sending still arrives.
func TestPipeCarriesBothWaysAndHalfCloses(t *testing.T) {
	pair := func() (net.Conn, net.Conn) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ch := make(chan net.Conn, 1)
		go func() { c, _ := l.Accept(); ch <- c }()
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		return c, <-ch
	}
	client, a := pair()
	b, server := pair()
	done := make(chan [2]int64, 1)
	go func() {
		x, y, err := Pipe(a, b)
		if err != nil {
			t.Errorf("pipe: %v", err)
		}
		done <- [2]int64{x, y}
	}()
	if _, err := client.Write([]byte("request")); err != nil {
		t.Fatal(err)
	}
	_ = client.(*net.TCPConn).CloseWrite()
	got, err := io.ReadAll(server)
	if err != nil || string(got) != "request" {
		t.Fatalf("server read %q, %v", got, err)
	}
	if _, err := server.Write([]byte("response after the request ended")); err != nil {
		t.Fatal(err)
	}
	server.Close()
	got, err = io.ReadAll(client)
	if err != nil || string(got) != "response after the request ended" {
		t.Fatalf("client read %q, %v", got, err)
	}
	if n := <-done; n != [2]int64{7, 32} {
		t.Fatalf("copied %v bytes, want 7 and 32", n)
	}
}
