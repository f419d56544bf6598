package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/deco-network/deco/internal/job"
	"github.com/deco-network/deco/internal/money"
	"github.com/deco-network/deco/internal/sched"
)

// formFields are the submit form's inputs, each named by the spec field
// it sets, so that a job.FieldError's Field names its input.
var formFields = []string{"name", "image", "command", "env", "resources.cpu", "resources.memory", "resources.disk",
	"resources.gpus", "timeout", "maxPricePerHour", "verification"}

// submitData is the submit page: the form's values, the YAML editor's
// text, and the problems of the last attempt by field.
type submitData struct {
	Mode   string
	Values map[string]string
	YAML   string
	// Errors are the problems by form field (or spec path, for the YAML
	// editor); General are those of no field.
	Errors  map[string][]string
	General []string
	// Lines are the YAML editor's problems with their line numbers.
	Lines     []job.FieldError
	Placement *sched.Report
}

// exampleSpec fills the YAML editor of a new submission.
const exampleSpec = `apiVersion: deco/v1
name: hello
image: deco-busybox:latest
command: [sh, -c, "echo hello from deco; echo 42 > /outputs/answer.txt"]
resources: {cpu: 500m, memory: 128MiB}
timeout: 5m
`

func (d *Dashboard) newJobPage(w http.ResponseWriter, r *http.Request, s session) {
	d.render(w, http.StatusOK, "submit", s, submitData{Mode: "form", YAML: exampleSpec,
		Values: map[string]string{"image": "deco-busybox:latest", "command": "sh\n-c\necho hello from deco; echo 42 > /outputs/answer.txt",
			"resources.cpu": "500m", "resources.memory": "128MiB", "timeout": "5m"}})
}

// submit validates the form or the YAML editor's spec with job.Parse,
// ApplyDefaults and Validate (as `deco job run` does), shows each problem
// at its field, and submits a valid spec.
func (d *Dashboard) submit(w http.ResponseWriter, r *http.Request, s session) {
	data := submitData{Mode: r.PostFormValue("mode"), Values: map[string]string{}, Errors: map[string][]string{}}
	for _, f := range formFields {
		data.Values[f] = r.PostFormValue(f)
	}
	data.YAML = r.PostFormValue("spec")
	if data.Mode != "yaml" && data.YAML == "" {
		data.YAML = exampleSpec // the other editor, as a new page has it
	}
	var spec job.Spec
	var err error
	switch data.Mode {
	case "yaml":
		spec, err = job.Parse([]byte(data.YAML))
	case "form":
		spec, err = formSpec(data.Values)
	default:
		data.Mode = "form"
		err = errors.New("the form names no mode (form or yaml)")
	}
	if err == nil {
		spec.ApplyDefaults()
		err = spec.Validate()
	}
	if err != nil {
		d.showProblems(&data, err)
		d.render(w, http.StatusBadRequest, "submit", s, data)
		return
	}
	j, err := d.b.Submit(r.Context(), spec)
	if err != nil {
		var nf *sched.NoFitError
		if errors.As(err, &nf) {
			data.Placement = &nf.Report
		}
		d.showProblems(&data, err)
		d.render(w, http.StatusUnprocessableEntity, "submit", s, data)
		return
	}
	http.Redirect(w, r, "/ui/jobs/"+j.ID, http.StatusSeeOther)
}

// showProblems files err's field problems under their fields.
func (d *Dashboard) showProblems(data *submitData, err error) {
	var fe job.FieldErrors
	if !errors.As(err, &fe) {
		data.General = append(data.General, err.Error())
		return
	}
	for _, f := range fe {
		field := f.Field
		if data.Mode == "yaml" {
			data.Lines = append(data.Lines, f)
			continue
		}
		// A problem in a nested field (resources.gpu.model, env.X) goes to
		// the input that holds it.
		for _, in := range formFields {
			if field == in || strings.HasPrefix(field, in+".") || strings.HasPrefix(field, in+"[") {
				field = in
				break
			}
		}
		if _, ok := data.Values[field]; ok {
			data.Errors[field] = append(data.Errors[field], f.Problem)
		} else {
			data.General = append(data.General, f.Error())
		}
	}
}

// formSpec turns the form into a spec document and parses it with
// job.Parse, so that the form and the YAML editor (and the CLI's spec
// files) are read by the same code. A value that is not even of its
// field's kind is that field's problem.
func formSpec(v map[string]string) (job.Spec, error) {
	doc := map[string]any{"apiVersion": job.APIVersion}
	res := map[string]any{}
	var fe job.FieldErrors
	str := func(field, key string, m map[string]any) {
		if s := strings.TrimSpace(v[field]); s != "" {
			m[key] = s
		}
	}
	str("name", "name", doc)
	str("image", "image", doc)
	str("timeout", "timeout", doc)
	str("verification", "verification", doc)
	str("resources.cpu", "cpu", res)
	str("resources.memory", "memory", res)
	str("resources.disk", "disk", res)
	if s := strings.TrimSpace(v["maxPricePerHour"]); s != "" {
		if _, err := money.Parse(s); err != nil {
			fe = append(fe, job.FieldError{Field: "maxPricePerHour", Problem: err.Error()})
		} else {
			doc["maxPricePerHour"] = s
		}
	}
	if s := strings.TrimSpace(v["resources.gpus"]); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			fe = append(fe, job.FieldError{Field: "resources.gpus", Problem: fmt.Sprintf("want a whole number, got %q", cut(s, 32))})
		} else {
			res["gpus"] = n
		}
	}
	if len(res) > 0 {
		doc["resources"] = res
	}
	if lines := splitLines(v["command"]); len(lines) > 0 {
		doc["command"] = lines
	}
	if lines := splitLines(v["env"]); len(lines) > 0 {
		env := map[string]string{}
		for _, l := range lines {
			k, val, ok := strings.Cut(l, "=")
			if !ok {
				fe = append(fe, job.FieldError{Field: "env", Problem: fmt.Sprintf("want NAME=VALUE on each line, got %q", cut(l, 32))})
				continue
			}
			env[k] = val
		}
		doc["env"] = env
	}
	if len(fe) > 0 {
		return job.Spec{}, fe
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return job.Spec{}, err
	}
	return job.Parse(b)
}

// splitLines returns the non-empty lines of s (one command argument or
// environment variable a line).
func splitLines(s string) []string {
	var out []string
	for l := range strings.SplitSeq(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}
