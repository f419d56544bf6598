package web

import (
	"context"
	"errors"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"strings"

	"github.com/deco-network/deco/internal/api"
	"github.com/deco-network/deco/internal/job"
)

// maxListedFiles caps the result files a job page lists.
const maxListedFiles = 500

// resultFile is one file of a job's result.
type resultFile struct {
	Path string
	Size uint64
}

// resultFiles lists a completed job's result files (or says why none).
func (d *Dashboard) resultFiles(ctx context.Context, id string, state job.State) ([]resultFile, string) {
	if state != job.StateCompleted {
		return nil, "the result files are listed once the job completed"
	}
	dir, _, err := d.b.Outputs(ctx, id)
	if err != nil {
		return nil, err.Error()
	}
	var out []resultFile
	err = fs.WalkDir(os.DirFS(dir), ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !e.Type().IsRegular() {
			return nil
		}
		if len(out) == maxListedFiles {
			return fs.SkipAll
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		out = append(out, resultFile{Path: p, Size: uint64(info.Size())})
		return nil
	})
	if err != nil {
		return out, "listing the result: " + err.Error()
	}
	if len(out) == 0 {
		return nil, "the job wrote no files to /outputs"
	}
	return out, ""
}

// resultFile sends one file of a job's result as a download. The file is
// opened inside the result directory (os.Root): no path, symbolic link
// or dot segment reaches outside it, and it is sent as an attachment of
// an opaque type so that a job's output never runs as this page's script.
func (d *Dashboard) resultFile(w http.ResponseWriter, r *http.Request, s session) {
	id, ok := d.jobID(w, r, s)
	if !ok {
		return
	}
	p := r.PathValue("path")
	if !fs.ValidPath(p) || strings.Contains(p, "\\") {
		d.plainError(w, http.StatusBadRequest, "not a path inside the result")
		return
	}
	dir, digest, err := d.b.Outputs(r.Context(), id)
	if err != nil {
		if errors.Is(err, api.ErrNoOutputs) {
			d.plainError(w, http.StatusConflict, err.Error())
			return
		}
		d.fail(w, s, err)
		return
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		d.fail(w, s, err)
		return
	}
	defer root.Close()
	f, err := root.Open(p)
	if err != nil {
		d.plainError(w, http.StatusNotFound, "no such file in the result")
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		d.plainError(w, http.StatusNotFound, "no such file in the result")
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": path.Base(p)}))
	w.Header().Set(api.DigestHeader, digest)
	http.ServeContent(w, r, "", info.ModTime(), f)
}
