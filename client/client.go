// Package client is the Go client of a deco node's REST API. The deco CLI
// talks to its node only through this package.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/data"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/offer"
	"github.com/deco-network/deco/internal/provider"
	"github.com/deco-network/deco/internal/settle"
	"github.com/deco-network/deco/internal/store"
)

// ErrNoNode is returned when no node answers for a data directory.
var ErrNoNode = errors.New("no deco node is running for this data directory")

// Error is a non-2xx answer from the node.
type Error struct {
	Status int
	// Message is the node's explanation.
	Message string
	// Fields lists spec problems field by field (400 on submission).
	Fields []api.FieldProblem
}

func (e *Error) Error() string { return e.Message }

// Client talks to one node.
type Client struct {
	base  string
	token string
	hc    *http.Client
}

// New returns a client for the API at base (e.g. http://127.0.0.1:7350).
func New(base, token string) *Client {
	return &Client{base: strings.TrimRight(base, "/"), token: token, hc: &http.Client{}}
}

// FromDataDir reads the API address and token a node wrote to dir.
func FromDataDir(dir string) (*Client, error) {
	u, err := os.ReadFile(filepath.Join(dir, api.APIFile))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w (%s): start one with `deco node run --data-dir %s`", ErrNoNode, dir, dir)
		}
		return nil, err
	}
	tok, err := os.ReadFile(filepath.Join(dir, api.TokenFile))
	if err != nil {
		return nil, fmt.Errorf("read API token: %w", err)
	}
	return New(strings.TrimSpace(string(u)), strings.TrimSpace(string(tok))), nil
}

func (c *Client) do(ctx context.Context, method, path string, body io.Reader, contentType string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return c.send(ctx, req)
}

// send sends req with the bearer token and turns an error status into an
// *Error.
func (c *Client) send(ctx context.Context, req *http.Request) (*http.Response, error) {
	method, path := req.Method, req.URL.RequestURI()
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) && ctx.Err() == nil {
			return nil, fmt.Errorf("%w at %s: %v", ErrNoNode, c.base, ue.Err)
		}
		return nil, err
	}
	if resp.StatusCode >= 300 {
		defer resp.Body.Close()
		var body api.Error
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if json.Unmarshal(b, &body) != nil || body.Error == "" {
			body.Error = fmt.Sprintf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(b)))
		}
		return nil, &Error{Status: resp.StatusCode, Message: body.Error, Fields: body.Fields}
	}
	return resp, nil
}

func (c *Client) getJSON(ctx context.Context, path string, v any) error {
	return c.sendJSON(ctx, http.MethodGet, path, nil, v)
}

func (c *Client) sendJSON(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	ct := ""
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body, ct = bytes.NewReader(b), "application/json"
	}
	resp, err := c.do(ctx, method, path, body, ct)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// Identity returns the node's peer ID, address and listen addresses.
func (c *Client) Identity(ctx context.Context) (api.Identity, error) {
	var v api.Identity
	return v, c.getJSON(ctx, "/v1/id", &v)
}

// Peers lists known peers.
func (c *Client) Peers(ctx context.Context) ([]api.Peer, error) {
	var v []api.Peer
	return v, c.getJSON(ctx, "/v1/peers", &v)
}

// Offers lists the live offers in the node's catalog.
func (c *Client) Offers(ctx context.Context) ([]offer.Offer, error) {
	var v []offer.Offer
	return v, c.getJSON(ctx, "/v1/offers", &v)
}

// Onboarding returns the machine, the default share and the current policy.
func (c *Client) Onboarding(ctx context.Context) (api.OnboardingView, error) {
	var v api.OnboardingView
	return v, c.getJSON(ctx, "/v1/onboarding", &v)
}

// Onboard sets the policy: what to sell and at what prices.
func (c *Client) Onboard(ctx context.Context, p provider.Policy) (provider.Onboarding, error) {
	var v provider.Onboarding
	return v, c.sendJSON(ctx, http.MethodPut, "/v1/onboarding", p, &v)
}

// Offboard withdraws the node's offer.
func (c *Client) Offboard(ctx context.Context) error {
	return c.sendJSON(ctx, http.MethodDelete, "/v1/onboarding", nil, nil)
}

// Submit sends a job spec; it returns once the job is placed and recorded.
func (c *Client) Submit(ctx context.Context, spec job.Spec) (store.Job, error) {
	var v store.Job
	return v, c.sendJSON(ctx, http.MethodPost, "/v1/jobs", spec, &v)
}

// Jobs lists jobs, newest first; state may be empty.
func (c *Client) Jobs(ctx context.Context, state job.State, limit int) ([]store.Job, error) {
	q := url.Values{}
	if state != "" {
		q.Set("state", string(state))
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var v []store.Job
	return v, c.getJSON(ctx, "/v1/jobs?"+q.Encode(), &v)
}

// Job returns a job with its events; id may be a unique prefix.
func (c *Client) Job(ctx context.Context, id string) (api.JobDetail, error) {
	var v api.JobDetail
	return v, c.getJSON(ctx, "/v1/jobs/"+url.PathEscape(id), &v)
}

// JobUsage returns the measured use of a job's executions: the signed
// usage reports this node accepted and the samples it took as a provider
// (GET /v1/jobs/{id}/usage).
func (c *Client) JobUsage(ctx context.Context, id string) (api.JobUsage, error) {
	var v api.JobUsage
	return v, c.getJSON(ctx, "/v1/jobs/"+url.PathEscape(id)+"/usage", &v)
}

// Logs copies a job's logs to w; with follow it returns when the job ends.
func (c *Client) Logs(ctx context.Context, id string, follow bool, w io.Writer) error {
	return c.logs(ctx, id, url.Values{}, follow, w)
}

// Forward connects to port (a name or a number) of task (0 for a job of
// one task) of running service job id, through this node and its provider
// (GET /v1/jobs/{id}/forward/{port}, upgraded): the returned connection
// carries the TCP connection's bytes both ways until either side closes.
func (c *Client) Forward(ctx context.Context, id string, task int, port string) (io.ReadWriteCloser, error) {
	path := "/v1/jobs/" + url.PathEscape(id) + "/forward/" + url.PathEscape(port) + "?task=" + strconv.Itoa(task)
	return c.upgrade(ctx, "forward", path, api.ForwardProtocol)
}

// upgrade sends GET path asking to switch to protocol and returns the
// switched connection.
func (c *Client) upgrade(ctx context.Context, what, path, protocol string) (io.ReadWriteCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", protocol)
	resp, err := c.send(ctx, req)
	if err != nil {
		return nil, err
	}
	conn, ok := resp.Body.(io.ReadWriteCloser)
	if resp.StatusCode != http.StatusSwitchingProtocols || !ok {
		resp.Body.Close()
		return nil, fmt.Errorf("%s %s: the node answered %s, not a switch to %s", what, path, resp.Status, protocol)
	}
	return conn, nil
}

// TaskLogs copies the logs of task index of a multi-task job to w; with
// follow it returns when the task ends. Logs gives every task's, each line
// prefixed by its task.
func (c *Client) TaskLogs(ctx context.Context, id string, index int, follow bool, w io.Writer) error {
	return c.logs(ctx, id, url.Values{"task": {strconv.Itoa(index)}}, follow, w)
}

// logs copies GET /v1/jobs/{id}/logs with query q to w.
func (c *Client) logs(ctx context.Context, id string, q url.Values, follow bool, w io.Writer) error {
	if follow {
		q.Set("follow", "1")
	}
	path := "/v1/jobs/" + url.PathEscape(id) + "/logs"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	resp, err := c.do(ctx, http.MethodGet, path, nil, "")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(w, resp.Body)
	return err
}

// Cancel asks the node to stop a job.
func (c *Client) Cancel(ctx context.Context, id string) error {
	return c.sendJSON(ctx, http.MethodPost, "/v1/jobs/"+url.PathEscape(id)+"/cancel", nil, nil)
}

// Outputs downloads a completed job's outputs into dir and checks them
// against the result digest; it returns the digest.
func (c *Client) Outputs(ctx context.Context, id, dir string) (string, error) {
	resp, err := c.do(ctx, http.MethodGet, "/v1/jobs/"+url.PathEscape(id)+"/outputs", nil, "")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	digest := resp.Header.Get(api.DigestHeader)
	if digest == "" {
		return "", errors.New("node sent outputs without a digest")
	}
	if _, err := data.Unpack(ctx, resp.Body, dir, digest, data.Limits{}); err != nil {
		return "", err
	}
	return digest, nil
}

// Wallet returns the node's settlement account: balance, stake, channels
// as requester and as provider, recent redeems.
func (c *Client) Wallet(ctx context.Context) (api.Wallet, error) {
	var v api.Wallet
	return v, c.getJSON(ctx, "/v1/wallet", &v)
}

// Deposit adds amount to the node's channel to provider (peer ID or address).
func (c *Client) Deposit(ctx context.Context, provider string, amount money.Amount) (settle.TxResult, error) {
	var v settle.TxResult
	return v, c.sendJSON(ctx, http.MethodPost, "/v1/wallet/deposit", api.DepositRequest{Provider: provider, Amount: amount}, &v)
}

// Withdraw requests a withdrawal from the channel to provider (amount zero:
// all of it), or executes the pending one once it is unlocked.
func (c *Client) Withdraw(ctx context.Context, provider string, amount money.Amount) (api.WithdrawResult, error) {
	var v api.WithdrawResult
	return v, c.sendJSON(ctx, http.MethodPost, "/v1/wallet/withdraw", api.DepositRequest{Provider: provider, Amount: amount}, &v)
}

// Redeem redeems the node's unredeemed vouchers now (requester's only
// when not empty).
func (c *Client) Redeem(ctx context.Context, requester string) ([]store.Redeem, error) {
	var v []store.Redeem
	return v, c.sendJSON(ctx, http.MethodPost, "/v1/wallet/redeem", api.RedeemRequest{Requester: requester}, &v)
}

// Stake adds amount to the node's stake.
func (c *Client) Stake(ctx context.Context, amount money.Amount) (settle.TxResult, error) {
	var v settle.TxResult
	return v, c.sendJSON(ctx, http.MethodPost, "/v1/wallet/stake", api.StakeRequest{Amount: amount}, &v)
}
