package devnet_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/deco-network/deco/client"
	"github.com/deco-network/deco/internal/devnet"
	"github.com/deco-network/deco/internal/identity"
	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/offer"
	"github.com/deco-network/deco/internal/operator"
)

// screenshots, when set, is where TestDashboardInABrowser saves a PNG of
// every page (docs/screenshots is made with
// go test ./internal/devnet/ -run TestDashboardInABrowser -dashboard.screenshots=$PWD/docs/screenshots).
var screenshots = flag.String("dashboard.screenshots", "", "directory to save the dashboard's screenshots in")

// needBrowser returns Debian's chromium, or skips without it unless
// DECO_REQUIRE_BROWSER is set.
func needBrowser(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("DECO_REQUIRE_BROWSER") != "" {
		t.Fatal("DECO_REQUIRE_BROWSER is set and no chromium is installed (apt-get install chromium)")
	}
	t.Skip("no chromium (apt-get install chromium)")
	return ""
}

// browserSpec is the job the test submits from the YAML editor: it runs
// long enough to be seen running and writes one result file.
const browserSpec = `apiVersion: deco/v1
name: from-the-browser
image: deco-busybox:latest
command: [sh, -c, "echo started in the browser test; sleep 6; echo 42 > /outputs/answer.txt; echo done"]
resources: {cpu: 500m, memory: 128MiB}
timeout: 2m
`

// verifiedBrowserSpec is a deterministic job that one validator re-runs.
const verifiedBrowserSpec = `apiVersion: deco/v1
name: verified-from-the-browser
image: deco-busybox:latest
command: [sh, -c, "echo 42 > /outputs/answer.txt"]
resources: {cpu: 500m, memory: 128MiB}
deterministic: true
verification: replicate(1)
`

// TestDashboardInABrowser drives the dashboard of a devnet's requester in
// headless chromium: log in through the link `deco dashboard` prints,
// submit a job from the YAML editor, watch it run and complete on the
// job page (the page updates itself), download its result file, see a
// field error of the form, filter offers, and onboard the node as a
// provider from its page (then another node sees its offer).
func TestDashboardInABrowser(t *testing.T) {
	needDocker(t)
	chrome := needBrowser(t)
	net := startWith(t, devnet.Config{Nodes: 3})
	defer net.Close()
	c, err := client.FromDataDir(net.DataDir(0))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	login, err := c.DashboardLogin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(login.URL, net.Nodes[0].APIURL()+"/login?code=") {
		t.Fatalf("login URL %q", login.URL)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chrome), chromedp.NoSandbox, chromedp.Headless,
		chromedp.WindowSize(1280, 900), chromedp.Flag("disable-dev-shm-usage", true))
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	defer bcancel()
	downloads := t.TempDir()
	// The first action starts the browser, bound to bctx (not to a step's
	// shorter context).
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	// run runs steps in the tab, each batch within a minute; on failure
	// the page is logged.
	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, scancel := context.WithTimeout(bctx, time.Minute)
		defer scancel()
		if err := chromedp.Do(sctx, steps...); err != nil {
			page, _ := chromedp.Run(bctx, chromedp.OuterHTML(chromedp.CSS("html")))
			at, _ := chromedp.Run(bctx, chromedp.Location())
			t.Fatalf("%s: %v\npage at %s:\n%s", what, err, at, page)
		}
	}
	// text is the text of the element sel matches.
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	location := func() string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// waitFor waits until the JavaScript expression is true on the page;
	// the page may reload meanwhile (the job page does when its job ends).
	waitFor := func(what, expr string, timeout time.Duration) {
		t.Helper()
		for deadline := time.Now().Add(timeout); ; time.Sleep(100 * time.Millisecond) {
			ectx, ecancel := context.WithTimeout(bctx, 5*time.Second)
			ok, err := chromedp.Run(ectx, chromedp.Evaluate[bool]("!!("+expr+")"))
			ecancel()
			if err == nil && ok {
				return
			}
			if time.Now().After(deadline) {
				page, _ := chromedp.Run(bctx, chromedp.OuterHTML(chromedp.CSS("html")))
				t.Fatalf("%s: not true within %s: %s (last error %v)\n%s", what, timeout, expr, err, page)
			}
		}
	}
	shot := func(name string) {
		t.Helper()
		if *screenshots == "" {
			return
		}
		png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(*screenshots, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	base := net.Nodes[0].APIURL()

	// Without a session the dashboard is the login page.
	run("login page", chromedp.Navigate(base+"/ui/jobs"))
	if _, err := chromedp.CallBrowser(bctx, browser.SetDownloadBehavior,
		browser.SetDownloadBehaviorParams{Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads}); err != nil {
		t.Fatal(err)
	}
	if got := text("main"); !strings.Contains(got, "deco dashboard") {
		t.Fatalf("without a session: %q", got)
	}
	shot("login")

	// The printed link logs in and lands on the jobs list.
	run("log in", chromedp.Navigate(login.URL), chromedp.WaitVisible(chromedp.CSS("h1")))
	if loc := location(); loc != base+"/ui/jobs" {
		t.Fatalf("after login at %s", loc)
	}
	// The link works once: a second browser tab opening it is refused.
	tab, tcancel := chromedp.NewContext(bctx)
	if err := chromedp.Do(tab, chromedp.Navigate(login.URL)); err != nil {
		t.Fatal(err)
	}
	again, err := chromedp.Run(tab, chromedp.Text(chromedp.CSS("main")))
	tcancel()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(again, "not valid") {
		t.Fatalf("second use of the link: %q", again)
	}

	// A form problem is shown at its field.
	run("field error", chromedp.Navigate(base+"/ui/jobs/new"), chromedp.WaitVisible(chromedp.CSS("#job-form")),
		chromedp.SetValue(chromedp.CSS(`#job-form input[name="resources.memory"]`), "1KiB"),
		chromedp.Click(chromedp.CSS("#submit-form")),
		chromedp.WaitVisible(chromedp.CSS(`input[name="resources.memory"] + .field-error`)))
	if fieldErr := text(`input[name="resources.memory"] + .field-error`); !strings.Contains(fieldErr, "at least 4MiB") {
		t.Fatalf("memory field error %q", fieldErr)
	}
	shot("submit")

	// Submit from the YAML editor: the browser lands on the job's page.
	run("submit", chromedp.Navigate(base+"/ui/jobs/new"), chromedp.WaitVisible(chromedp.CSS("#yaml-form")),
		chromedp.SetValue(chromedp.CSS(`#yaml-form textarea[name="spec"]`), browserSpec),
		chromedp.Click(chromedp.CSS("#submit-yaml")),
		chromedp.WaitVisible(chromedp.CSS("#job-state")))
	loc := location()
	m := regexp.MustCompile(`/ui/jobs/([0-9a-z]{26})$`).FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("after submit at %s", loc)
	}
	id := m[1]
	// The page follows the job by itself: running, then completed.
	waitFor("see it running", `document.querySelector("#job-state").textContent === "running"`, 60*time.Second)
	// Meanwhile the provider's page (node 1, the cheaper) lists it running.
	// Its session is its own: the browser keeps cookies by host, and each
	// node names its cookie by its port.
	plogin, err := mustClient(t, net.DataDir(1)).DashboardLogin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ptab, ptcancel := chromedp.NewContext(bctx)
	if err := chromedp.Do(ptab, chromedp.Navigate(plogin.URL), chromedp.Navigate(net.Nodes[1].APIURL()+"/ui/provider"),
		chromedp.WaitVisible(chromedp.CSS("#running"))); err != nil {
		t.Fatalf("provider's running tasks: %v", err)
	}
	running, err := chromedp.Run(ptab, chromedp.Text(chromedp.CSS("#running")))
	if err != nil || !strings.Contains(running, id[:8]) {
		t.Fatalf("node 1's running tasks: %q %v (want job %s)", running, err, id)
	}
	// and that the task holds half of its 1-core share.
	use, err := chromedp.Run(ptab, chromedp.TextContent(chromedp.CSS("#share-use")))
	ptcancel()
	if err != nil || !strings.Contains(use, "0.5 of 1 (50%)") {
		t.Fatalf("node 1's share in use: %q %v", use, err)
	}
	waitFor("see it completed", `document.querySelector("#job-state").textContent === "completed" && document.querySelector("#files")`, 60*time.Second)
	waitFor("see its logs", `document.querySelector("#logs pre").textContent.includes("done")`, 10*time.Second)
	d, err := c.Job(ctx, id)
	if err != nil || d.State != job.StateCompleted {
		t.Fatalf("job %s: %v %v", id, d.State, err)
	}
	if logs := text("#logs pre"); !strings.Contains(logs, "started in the browser test") {
		t.Fatalf("logs on the page: %q", logs)
	}
	shot("job")

	// Download the result file by its link.
	run("download", chromedp.Click(chromedp.CSS(`#files a[href$="/files/answer.txt"]`)))
	var got []byte
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if got, err = os.ReadFile(filepath.Join(downloads, "answer.txt")); err == nil && len(got) > 0 {
			break
		}
	}
	if string(got) != "42\n" {
		t.Fatalf("downloaded answer.txt: %q (%v)", got, err)
	}

	// A verified job: its page shows the verification's outcome.
	run("submit a verified job", chromedp.Navigate(base+"/ui/jobs/new"), chromedp.WaitVisible(chromedp.CSS("#yaml-form")),
		chromedp.SetValue(chromedp.CSS(`#yaml-form textarea[name="spec"]`), verifiedBrowserSpec),
		chromedp.Click(chromedp.CSS("#submit-yaml")), chromedp.WaitVisible(chromedp.CSS("#job-state")))
	waitFor("verified", `document.querySelector("#job-state").textContent === "completed" && document.querySelector("#verification")`, 90*time.Second)
	if got := text("#verification"); !strings.Contains(got, "replicate(1): outcome accepted") {
		t.Fatalf("verification on the page: %q", got)
	}
	shot("job-verified")

	// The jobs list, filtered by state.
	run("jobs", chromedp.Navigate(base+"/ui/jobs?state=completed"))
	if got := text("#jobs"); !strings.Contains(got, id[:8]) || !strings.Contains(got, "verified-from-the-browser") {
		t.Fatalf("completed jobs: %q", got)
	}
	shot("jobs")
	run("spend", chromedp.Navigate(base+"/ui/spend"), chromedp.WaitVisible(chromedp.CSS(".chart canvas")))
	if got := text("#spend-due"); got == "0" {
		t.Fatalf("spend after a paid job: %q", got)
	}
	shot("spend")

	// Offers, filtered with the --where language: node 1 is the cheaper.
	run("network", chromedp.Navigate(base+"/ui/network"), chromedp.WaitVisible(chromedp.CSS("#offers-chart")))
	shot("network")
	run("filter offers", chromedp.SetValue(chromedp.CSS(`#where-form input[name="where"]`), `price.cpu_hour <= 5`),
		chromedp.Submit(chromedp.CSS(`#where-form input[name="where"]`)))
	waitFor("filtered", `location.search.includes("where=") && document.querySelector("#offers-chart rect.free")`, 10*time.Second)
	p1, p2 := net.Nodes[1].PeerID(), net.Nodes[2].PeerID()
	if got := text("#offers"); !strings.Contains(got, p1[len(p1)-8:]) || strings.Contains(got, p2[len(p2)-8:]) {
		t.Fatalf("offers at most 5 DECO per core-hour: %q (want node1 %s, not node2 %s)", got, p1, p2)
	}
	shot("network-filtered")

	// Onboard the requester as a provider from its page.
	run("onboard", chromedp.Navigate(base+"/ui/provider"), chromedp.WaitVisible(chromedp.CSS("#onboard-form")))
	if got := text("#onboarded"); !strings.Contains(got, "Not onboarded") {
		t.Fatalf("before onboarding: %q", got)
	}
	run("fill the share", chromedp.SetValue(chromedp.CSS(`#onboard-form input[name="cpu"]`), "1"),
		chromedp.SetValue(chromedp.CSS(`#onboard-form input[name="memory"]`), "512MiB"),
		chromedp.SetValue(chromedp.CSS(`#onboard-form input[name="disk"]`), "1GiB"),
		chromedp.SetValue(chromedp.CSS(`#onboard-form input[name="price.cpu"]`), "2.5"),
		chromedp.SetValue(chromedp.CSS(`#onboard-form input[name="region"]`), "browser-land"),
		chromedp.Click(chromedp.CSS("#onboard")), chromedp.WaitVisible(chromedp.CSS("#notice")))
	if got := text("#onboarded"); !strings.Contains(got, "Onboarded") {
		t.Fatalf("after onboarding: %q", got)
	}
	v, err := c.Onboarding(ctx)
	if err != nil || v.Current == nil || v.Current.Policy.Share.CPU != 1000 || v.Current.Policy.Prices.CPUHour.String() != "2.5" ||
		v.Current.Policy.Region != "browser-land" {
		t.Fatalf("onboarding after the form: %+v %v", v.Current, err)
	}
	// Node 1 now sees node 0's offer too.
	if err := net.WaitForOffers(ctx, 1, 2); err != nil {
		t.Fatalf("node 1 never saw the new provider's offer: %v", err)
	}
	run("provider page", chromedp.Navigate(base+"/ui/provider"), chromedp.WaitVisible(chromedp.CSS("#machine")))
	shot("provider")
	// The provider that ran the job shows its earnings (its session from
	// the other tab is the browser's), redeems them and stakes more.
	run("provider's earnings", chromedp.Navigate(net.Nodes[1].APIURL()+"/ui/provider?span=1h"), chromedp.WaitVisible(chromedp.CSS("#channels")))
	if text("#earned") == "0" {
		t.Fatalf("node 1 ran a paid job and shows no earnings")
	}
	// Its utilisation chart is drawn, from the usage samples of the jobs
	// it ran: some minute of the hour used part of its CPU and memory.
	waitFor("utilisation chart", `document.querySelector("#utilisation canvas")`, 10*time.Second)
	if got := text("#utilisation-source"); !strings.Contains(got, "the usage samples of") {
		t.Fatalf("utilisation source: %q", got)
	}
	// (The jobs mostly sleep: their CPU may round to nothing, their
	// memory does not.)
	for i, c := range []struct{ name, point string }{{"CPU", "v !== null && v >= 0 && v <= 100"}, {"memory", "v > 0 && v <= 100"}} {
		points, err := chromedp.Run(bctx, chromedp.Evaluate[int](fmt.Sprintf(
			`JSON.parse(document.getElementById("util-data").textContent).series[%d].values.filter(v => %s).length`, i, c.point)))
		if err != nil || points == 0 {
			t.Fatalf("utilisation chart: no minute with %s used (%d points, %v)", c.name, points, err)
		}
	}
	shot("provider-earnings")
	before, err := mustClient(t, net.DataDir(1)).Wallet(ctx)
	if err != nil {
		t.Fatal(err)
	}
	run("redeem", chromedp.Click(chromedp.CSS("#redeem")), chromedp.WaitVisible(chromedp.CSS("#notice")))
	if got := text("#notice"); !strings.Contains(got, "Redeemed") {
		t.Fatalf("after redeem: %q", got)
	}
	run("stake", chromedp.SetValue(chromedp.CSS(`input[name="amount"]`), "1.5"), chromedp.Click(chromedp.CSS("#stake")))
	waitFor("staked", `document.querySelector("#notice") && document.querySelector("#notice").textContent === "Staked."`, 30*time.Second)
	after, err := mustClient(t, net.DataDir(1)).Wallet(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after.Stake.Amount != before.Stake.Amount+money.Amount(1.5*float64(money.Unit)) {
		t.Fatalf("stake %s after staking 1.5 from %s", after.Stake.Amount, before.Stake.Amount)
	}
	if len(after.Earnings) == 0 || after.Earnings[0].Redeemed == 0 || after.Earnings[0].Pending != 0 {
		t.Fatalf("channels after redeem: %+v", after.Earnings)
	}

	// An operator certifies nodes 1 and 2 and publishes its pools and
	// specs: node 1's operator page shows them.
	opDir := t.TempDir()
	op, _, err := identity.OpenOrCreate(opDir, identity.Options{Passphrase: "operator passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{1, 2} {
		cert, err := operator.Issue(op, net.Nodes[i].PeerID(), time.Now(), time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := mustClient(t, net.DataDir(i)).SetOperatorCert(ctx, cert); err != nil {
			t.Fatal(err)
		}
	}
	version := publish(ctx, t, op, mustClient(t, net.DataDir(1)), operator.Body{
		Groups: []operator.Group{{Name: "lab-1", Members: []identity.Address{net.Nodes[0].Address()}}},
		Specs:  []operator.Spec{{Name: "small", Resources: job.Resources{CPU: 500, Memory: 256 << 20}, PricePerHour: 36 * money.Unit}},
		Pools: []operator.Pool{{Name: "farm-a", Nodes: []string{net.Nodes[1].PeerID()}, Specs: []string{"small"}},
			{Name: "lab", Nodes: []string{net.Nodes[2].PeerID()}, Groups: []string{"lab-1"}}},
	})
	waitPolicyOn(t, net, op.Address(), version, 1, 2)
	run("operator", chromedp.Navigate(net.Nodes[1].APIURL()+"/ui/operator"), chromedp.WaitVisible(chromedp.CSS("#operator-cert")))
	if got := text("#operator-cert"); !strings.Contains(got, op.Address().String()) || !strings.Contains(got, "farm-a") {
		t.Fatalf("operator page of node 1: %q", got)
	}
	if got := text("main"); !strings.Contains(got, "small") || !strings.Contains(got, "lab-1") {
		t.Fatalf("operator page lacks the policy's spec or group: %q", got)
	}
	// The farm statement: node 1 signs a request with the operator's key
	// and collects nodes 1's and 2's statements, once their offers show
	// the certificate.
	waitOffers(t, mustClient(t, net.DataDir(1)), func(m map[string]offer.Offer) bool {
		return m[p1].Operator != nil && m[p2].Operator != nil
	})
	run("farm statement", chromedp.SetValue(chromedp.CSS(`#farm-form input[name="dir"]`), opDir),
		chromedp.SetValue(chromedp.CSS(`#farm-form input[name="passphrase"]`), "operator passphrase"),
		chromedp.Click(chromedp.CSS("#farm-show")), chromedp.WaitVisible(chromedp.CSS("#farm-nodes")))
	if got := text("#farm-signature"); !strings.Contains(got, op.Address().String()) || !strings.Contains(got, "verified") ||
		!strings.Contains(got, "2 of 2 nodes answered") {
		t.Fatalf("farm statement: %q", got)
	}
	farmNodes := text("#farm-nodes")
	for _, want := range []string{p1[len(p1)-8:], p2[len(p2)-8:], "farm-a", "lab"} {
		if !strings.Contains(farmNodes, want) {
			t.Fatalf("farm statement's nodes lack %q: %q", want, farmNodes)
		}
	}
	if got := text("#farm-pools"); !strings.Contains(got, "farm-a") {
		t.Fatalf("farm statement by pool: %q", got)
	}
	shot("operator")
	// The download is the signed request with the statement: the request
	// verifies as the operator's, and node 1's row is what node 1 bills.
	run("download the farm statement", chromedp.SetValue(chromedp.CSS(`#farm-form input[name="passphrase"]`), "operator passphrase"),
		chromedp.Click(chromedp.CSS("#farm-download")))
	var stmt struct {
		Request   operator.BillingRequest `json:"request"`
		Statement struct {
			Total operator.Line `json:"total"`
			Nodes []struct {
				Node  string        `json:"node"`
				Total operator.Line `json:"total"`
			} `json:"nodes"`
		} `json:"statement"`
	}
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		files, _ := filepath.Glob(filepath.Join(downloads, "deco-statement-*.json"))
		if len(files) == 1 {
			if b, err := os.ReadFile(files[0]); err == nil && json.Unmarshal(b, &stmt) == nil {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no farm statement downloaded: %v", files)
		}
	}
	if stmt.Request.Operator != op.Address() || len(stmt.Statement.Nodes) != 2 || stmt.Statement.Total.Executions == 0 {
		t.Fatalf("downloaded statement: %+v", stmt)
	}
	if err := stmt.Request.Verify(time.Now().Add(-30 * time.Second)); err != nil && !strings.Contains(err.Error(), "expired") {
		t.Fatalf("downloaded request: %v", err)
	}
	own, err := mustClient(t, net.DataDir(1)).Billing(ctx, client.BillingQuery{Role: "provider", From: stmt.Request.From.Format(time.RFC3339Nano),
		To: stmt.Request.To.Format(time.RFC3339Nano), By: "day"})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range stmt.Statement.Nodes {
		if n.Node == p1 && (n.Total.Executions != own.Total.Executions || n.Total.Due != own.Total.Due) {
			t.Fatalf("node 1 in the farm statement %+v, node 1's own statement %+v", n.Total, own.Total)
		}
	}
}

func mustClient(t *testing.T, dir string) *client.Client {
	t.Helper()
	c, err := client.FromDataDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
