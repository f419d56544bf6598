package requester

import (
	"context"
	"fmt"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/market"
)

// resolveResults checks every result input against this requester's own
// record of the earlier job (it must have completed here with a result)
// and fills in the digest and provider when the spec left them out.
func (r *Requester) resolveResults(ctx context.Context, spec *job.Spec) error {
	var errs job.FieldErrors
	for i := range spec.Inputs {
		in := spec.Inputs[i].Result
		if in == nil {
			continue
		}
		field := fmt.Sprintf("inputs[%d].result", i)
		prev, err := r.cfg.Store.GetJob(ctx, in.Job)
		switch {
		case err != nil:
			errs = append(errs, job.FieldError{Field: field + ".job", Problem: fmt.Sprintf("no job %s submitted from this node", in.Job)})
			continue
		case prev.State != job.StateCompleted || prev.ResultDigest == "":
			errs = append(errs, job.FieldError{Field: field + ".job", Problem: fmt.Sprintf("job %s is %s, not completed with a result", in.Job, prev.State)})
			continue
		}
		if in.Digest == "" {
			in.Digest = prev.ResultDigest
		} else if in.Digest != prev.ResultDigest {
			errs = append(errs, job.FieldError{Field: field + ".digest", Problem: fmt.Sprintf("job %s has result %s", in.Job, prev.ResultDigest)})
		}
		if in.Provider == "" {
			in.Provider = prev.Provider
		} else if in.Provider != prev.Provider {
			errs = append(errs, job.FieldError{Field: field + ".provider", Problem: fmt.Sprintf("job %s ran on %s", in.Job, prev.Provider)})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// grants signs, for provider pid, a grant for each result input of spec.
func (r *Requester) grants(ctx context.Context, spec job.Spec, pid peer.ID) ([]market.ResultGrant, error) {
	var out []market.ResultGrant
	for _, in := range spec.Inputs {
		if in.Result == nil {
			continue
		}
		if r.cfg.Key == nil {
			return nil, fmt.Errorf("input %s: this requester has no key to sign result grants", in.Name)
		}
		prev, err := r.cfg.Store.GetJob(ctx, in.Result.Job)
		if err != nil {
			return nil, fmt.Errorf("input %s: %w", in.Name, err)
		}
		g, err := market.SignResultGrant(r.cfg.Key, in.Name, prev.ExecutionID, pid.String())
		if err != nil {
			return nil, fmt.Errorf("input %s: sign grant: %w", in.Name, err)
		}
		g.Addrs = r.holderAddrs(in.Result.Provider)
		out = append(out, g)
	}
	return out, nil
}

// holderAddrs are the addresses this node knows for provider, a grant's
// dialing hint for the node that fetches from it.
func (r *Requester) holderAddrs(provider string) []string {
	holder, err := peer.Decode(provider)
	if err != nil {
		return nil
	}
	var out []string
	for _, a := range r.cfg.Host.Libp2p().Peerstore().Addrs(holder) {
		out = append(out, a.String())
	}
	return out
}
