package market

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/offer"
)

// PriceRequest is what a provider prices: the task's resources, the models
// of the GPUs it would get, and its timeout. It is also the JSON a pricing
// command reads on stdin.
type PriceRequest struct {
	JobID     string        `json:"jobId"`
	Executor  string        `json:"executor"`
	Resources job.Resources `json:"resources"`
	GPUModels []string      `json:"gpuModels,omitempty"`
	Timeout   job.Duration  `json:"timeout"`
	Requester string        `json:"requester"`
}

// Price is a pricer's answer: per hour of run time, plus a fixed part.
type Price struct {
	PerHour money.Amount `json:"perHour"`
	Fixed   money.Amount `json:"fixed,omitempty"`
}

// Pricer prices a task.
type Pricer interface {
	Price(ctx context.Context, r PriceRequest) (Price, error)
}

// Linear prices with coefficients per resource-hour: cores, GiB of memory
// and disk, and GPUs (by model when GPUModel names the model, else the
// offer's GPU price), plus a fixed part per execution.
type Linear struct {
	Prices offer.Prices
	// GPUModel prices one GPU-hour by case-insensitive model substring,
	// e.g. {"A100": 1.8, "T4": 0.3}; the first match in sorted key order wins.
	GPUModel map[string]money.Amount
	Fixed    money.Amount
}

// Price implements Pricer.
func (l Linear) Price(_ context.Context, r PriceRequest) (Price, error) {
	scalar := r.Resources
	scalar.GPUs = 0
	per := l.Prices.PerHour(scalar)
	for i := 0; i < r.Resources.GPUs; i++ {
		model := ""
		if i < len(r.GPUModels) {
			model = r.GPUModels[i]
		}
		per += l.gpuPrice(model)
	}
	return Price{PerHour: per, Fixed: l.Fixed}, nil
}

func (l Linear) gpuPrice(model string) money.Amount {
	best, bestKey := l.Prices.GPUHour, ""
	for k, v := range l.GPUModel {
		if strings.Contains(strings.ToLower(model), strings.ToLower(k)) && (bestKey == "" || k < bestKey) {
			best, bestKey = v, k
		}
	}
	return best
}

// Command prices with an operator's program: the PriceRequest as JSON on
// stdin, and on stdout either a Price as JSON or one decimal number (the
// price per hour). It must answer within Timeout (default 2 s).
type Command struct {
	Path    string
	Args    []string
	Timeout time.Duration
}

// Price implements Pricer.
func (c Command) Price(ctx context.Context, r PriceRequest) (Price, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	in, err := json.Marshal(r)
	if err != nil {
		return Price{}, err
	}
	cmd := exec.CommandContext(ctx, c.Path, c.Args...)
	cmd.Stdin = bytes.NewReader(in)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	// Kill the whole process group on timeout, and do not wait for pipes a
	// stray grandchild still holds.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 100 * time.Millisecond
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return Price{}, fmt.Errorf("pricing command %s: no answer within %s", c.Path, timeout)
		}
		return Price{}, fmt.Errorf("pricing command %s: %v: %s", c.Path, err, strings.TrimSpace(errb.String()))
	}
	text := strings.TrimSpace(out.String())
	var p Price
	if strings.HasPrefix(text, "{") {
		dec := json.NewDecoder(strings.NewReader(text))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			return Price{}, fmt.Errorf("pricing command %s: bad JSON answer: %v", c.Path, err)
		}
	} else if p.PerHour, err = money.Parse(text); err != nil {
		return Price{}, fmt.Errorf("pricing command %s: answer %q: %v", c.Path, text, err)
	}
	if p.PerHour < 0 || p.Fixed < 0 {
		return Price{}, errors.New("pricing command answered a negative price")
	}
	return p, nil
}
