package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/operator"
	"github.com/deco-network/deco/internal/requester"
	"github.com/deco-network/deco/internal/sched"
	"github.com/deco-network/deco/internal/store"
)

type jobsData struct {
	State  job.State
	States []job.State
	Limit  int
	Jobs   []store.Job
	// More: the list may go on past Limit.
	More    bool
	Problem string
}

func (d *Dashboard) jobsPage(w http.ResponseWriter, r *http.Request, s session) {
	data := jobsData{States: api.JobStates(), Limit: pageJobs}
	q := r.URL.Query()
	if v := q.Get("state"); v != "" {
		if !slices.Contains(data.States, job.State(v)) {
			data.Problem = "no such state: " + strconv.Quote(cut(v, 32))
			d.render(w, http.StatusBadRequest, "jobs", s, data)
			return
		}
		data.State = job.State(v)
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > api.MaxJobsLimit {
			data.Problem = "limit: want a whole number from 1 to " + strconv.Itoa(api.MaxJobsLimit)
			d.render(w, http.StatusBadRequest, "jobs", s, data)
			return
		}
		data.Limit = n
	}
	jobs, err := d.b.Jobs(r.Context(), data.State, data.Limit)
	if err != nil {
		d.fail(w, s, err)
		return
	}
	data.Jobs, data.More = jobs, len(jobs) == data.Limit && data.Limit < api.MaxJobsLimit
	d.render(w, http.StatusOK, "jobs", s, data)
}

// cut shortens a hostile value before it is shown back.
func cut(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// fail answers a Backend error as a page.
func (d *Dashboard) fail(w http.ResponseWriter, s session, err error) {
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, store.ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, api.ErrBadRequest), errors.Is(err, store.ErrAmbiguous):
		status = http.StatusBadRequest
	case errors.Is(err, api.ErrNoOutputs), errors.Is(err, requester.ErrNotRunning):
		status = http.StatusConflict
	default:
		d.log.Warn("dashboard", "err", err)
	}
	d.render(w, status, "error", s, struct {
		Status int
		Error  string
	}{status, err.Error()})
}

// jobID checks the {id} path value: a full job ID.
func (d *Dashboard) jobID(w http.ResponseWriter, r *http.Request, s session) (string, bool) {
	id := r.PathValue("id")
	if err := job.CheckID(id); err != nil {
		d.render(w, http.StatusBadRequest, "error", s, struct {
			Status int
			Error  string
		}{http.StatusBadRequest, "not a job ID: " + strconv.Quote(cut(id, 32))})
		return "", false
	}
	return id, true
}

// jobData is the job page.
type jobData struct {
	api.JobDetail
	Placement    *sched.Report
	Verification *verificationView
	// TaskVerifications are an array job's tasks' own, in task order.
	TaskVerifications []verificationView
	// Cost is the latest voucher's amount of the current execution(s).
	Cost     money.Amount
	Payments []payment
	Usage    *api.JobUsage
	Chart    *chart
	Files    []resultFile
	// FilesNote says why there are no files to list.
	FilesNote string
}

// verificationView is one verification record on the job page: the
// job's own (ID "verification") or a task's ("verification-task-I").
type verificationView struct {
	ID   string
	Task int
	*requester.Verification
}

// payment is one usage report and the voucher that paid it.
type payment struct {
	store.Usage
	Paid    money.Amount
	Voucher bool
}

func (d *Dashboard) jobPage(w http.ResponseWriter, r *http.Request, s session) {
	id, ok := d.jobID(w, r, s)
	if !ok {
		return
	}
	detail, err := d.b.Job(r.Context(), id)
	if err != nil {
		d.fail(w, s, err)
		return
	}
	data := jobData{JobDetail: detail}
	if len(detail.Placement) > 0 {
		var rep sched.Report
		if json.Unmarshal(detail.Placement, &rep) == nil {
			data.Placement = &rep
		}
	}
	if len(detail.Verification) > 0 {
		var v requester.Verification
		if json.Unmarshal(detail.Verification, &v) == nil {
			data.Verification = &verificationView{ID: "verification", Verification: &v}
		}
	}
	for _, t := range detail.Tasks {
		var v requester.Verification
		if len(t.Verification) > 0 && json.Unmarshal(t.Verification, &v) == nil {
			data.TaskVerifications = append(data.TaskVerifications,
				verificationView{ID: fmt.Sprintf("verification-task-%d", t.TaskIndex), Task: t.TaskIndex, Verification: &v})
		}
	}
	data.Payments, data.Cost = payments(detail.TaskDetail)
	for _, t := range detail.Tasks {
		_, c := payments(t)
		data.Cost += c
	}
	if ub, ok := d.b.(api.UsageBackend); ok {
		if u, err := ub.Usage(r.Context(), id); err == nil {
			data.Usage = &u
			data.Chart = usageChart(u)
		}
	}
	data.Files, data.FilesNote = d.resultFiles(r.Context(), id, detail.State)
	d.render(w, http.StatusOK, "job", s, data)
}

// payments pairs a task's usage reports with their vouchers; cost is the
// amount due of the latest report a voucher paid (a report's amount is
// cumulative over its execution; a voucher's over its whole channel).
func payments(t api.TaskDetail) ([]payment, money.Amount) {
	paid := map[uint64]money.Amount{}
	for _, v := range t.Vouchers {
		paid[v.Seq] = v.Voucher.Cumulative
	}
	var out []payment
	var cost money.Amount
	for _, u := range t.Usage {
		p := payment{Usage: u}
		p.Paid, p.Voucher = paid[u.Report.Seq]
		out = append(out, p)
		if p.Voucher && u.Report.AmountDue > cost {
			cost = u.Report.AmountDue
		}
	}
	return out, cost
}

func (d *Dashboard) jobLogs(w http.ResponseWriter, r *http.Request, s session) {
	id, ok := d.jobID(w, r, s)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	var buf tailBuffer
	buf.max = maxLogBytes
	if err := d.b.Logs(ctx, id, -1, false, &buf); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		d.fail(w, s, err)
		return
	}
	state := job.State("")
	if detail, err := d.b.Job(r.Context(), id); err == nil {
		state = detail.State
	}
	if state.Terminal() && r.URL.Query().Get("live") == "1" {
		// The page was drawn while the job ran: draw it again, with its
		// result files, cost and final state.
		w.Header().Set("HX-Refresh", "true")
	}
	d.renderFragment(w, "job", "logs", struct {
		ID       string
		State    job.State
		Logs     string
		Cut      bool
		Terminal bool
	}{id, state, buf.String(), buf.cut, state.Terminal()})
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	bytes.Buffer
	max int
	cut bool
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	n := len(p)
	t.Buffer.Write(p)
	if over := t.Len() - t.max; over > 0 {
		t.cut = true
		t.Next(over)
	}
	return n, nil
}

func (d *Dashboard) cancel(w http.ResponseWriter, r *http.Request, s session) {
	id, ok := d.jobID(w, r, s)
	if !ok {
		return
	}
	if err := d.b.Cancel(r.Context(), id); err != nil {
		d.fail(w, s, err)
		return
	}
	http.Redirect(w, r, "/ui/jobs/"+id, http.StatusSeeOther)
}

// spendData is the spend page: what this node bought, by day.
type spendData struct {
	From, To time.Time
	Lines    []operator.Line
	Total    operator.Line
	Deposits money.Amount
	Chart    *chart
	Wallet   *api.Wallet
	Problem  string
}

// spendDays is how far back the spend page looks.
const spendDays = 30

func (d *Dashboard) spendPage(w http.ResponseWriter, r *http.Request, s session) {
	to := d.now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	data := spendData{From: to.Add(-spendDays * 24 * time.Hour), To: to}
	if bb, ok := d.b.(api.BillingBackend); ok {
		bill, err := bb.Billing(r.Context(), "requester", data.From, data.To, operator.ByDay)
		if err != nil {
			data.Problem = err.Error()
		} else {
			data.Lines, data.Total, data.Deposits = bill.Lines, bill.Total, bill.Deposited
			data.Chart = dayChart(data.From, spendDays, bill.Lines, "spent (DECO)")
		}
	} else {
		data.Problem = "this node keeps no billing records"
	}
	if wb, ok := d.b.(api.WalletBackend); ok {
		if wal, err := wb.Wallet(r.Context()); err == nil {
			data.Wallet = &wal
		}
	}
	d.render(w, http.StatusOK, "spend", s, data)
}
