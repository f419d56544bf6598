package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/deco-network/deco/internal/p2p"
)

func (a *app) forwardCmd() *cobra.Command {
	var task int
	var address string
	cmd := &cobra.Command{
		Use:   "forward JOB PORT [LOCALPORT]",
		Short: "Reach a port of a running service job from this machine",
		Long: `Listen on LOCALPORT of this machine (default: PORT's number; 0 picks a free
one) and carry every connection to PORT of the running service job JOB
(a port name or number from its spec), through this node and a libp2p
stream to its provider, as 'kubectl port-forward' does. The provider
connects to the port from inside the task's sandbox and admits only the
job's requester; nothing listens on the provider's network. Runs until
interrupted (Ctrl-C).`,
		Example: `  deco run --service --port http=8080 -d deco-busybox:latest -- httpd -f -p 8080
  deco forward JOB http            # http://127.0.0.1:8080/
  deco forward JOB 8888 9999       # the task's 8888 on 127.0.0.1:9999
  deco forward JOB http --task 2   # task 2 of a multi-task service job`,
		Args: cobra.RangeArgs(2, 3),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			id, port := args[0], args[1]
			d, err := c.Job(ctx, id)
			if err != nil {
				return err
			}
			p, err := d.Spec.ServicePort(port)
			if err != nil {
				return err
			}
			local := p.Port
			if len(args) == 3 {
				if local, err = strconv.Atoi(args[2]); err != nil || local < 0 || local > 65535 {
					return fmt.Errorf("LOCALPORT %q: want a port number from 0 to 65535", args[2])
				}
			}
			// Check once that the job can be reached before listening.
			probe, err := c.Forward(ctx, d.ID, task, p.Name)
			if err != nil {
				return err
			}
			probe.Close()
			l, err := net.Listen("tcp", net.JoinHostPort(address, strconv.Itoa(local)))
			if err != nil {
				return err
			}
			defer l.Close()
			context.AfterFunc(ctx, func() { l.Close() })
			fmt.Fprintf(a.stderr, "forwarding %s to job %s task %d port %s (%d); Ctrl-C stops\n", l.Addr(), shortID(d.ID), task, p.Name, p.Port)
			return a.pipeEach(ctx, l, func() (io.ReadWriteCloser, error) { return c.Forward(ctx, d.ID, task, p.Name) })
		},
	}
	cmd.Flags().IntVar(&task, "task", 0, "the task of a multi-task job")
	cmd.Flags().StringVar(&address, "address", "127.0.0.1", "the local address to listen on")
	return cmd
}

// pipeEach accepts connections on l until ctx ends and carries each to a
// stream dial opens (a forward, a service proxy), both ways.
func (a *app) pipeEach(ctx context.Context, l net.Listener, dial func() (io.ReadWriteCloser, error)) error {
	for {
		conn, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		go func() {
			remote, err := dial()
			if err != nil {
				fmt.Fprintf(a.stderr, "connection from %s: %v\n", conn.RemoteAddr(), err)
				conn.Close()
				return
			}
			if _, _, err := p2p.Pipe(conn, remote); err != nil && !errors.Is(err, net.ErrClosed) {
				fmt.Fprintf(a.stderr, "connection from %s: %v\n", conn.RemoteAddr(), err)
			}
		}()
	}
}
