// Package gittest serves a go-git repository over git's smart HTTP protocol
// (upload-pack only) from an in-process test server, so tests of git inputs
// need neither a git binary nor the network.
package gittest

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/format/pktline"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/plumbing/transport/server"
)

// oneRepo serves the same repository for every endpoint.
type oneRepo struct{ s storer.Storer }

func (l oneRepo) Load(*transport.Endpoint) (storer.Storer, error) { return l.s, nil }

// Serve serves repo at <server URL>/repo.git until the test ends and
// returns the server.
func Serve(t testing.TB, repo *git.Repository) *httptest.Server {
	t.Helper()
	srv := server.NewServer(oneRepo{repo.Storer})
	ep, err := transport.NewEndpoint("http://test/repo.git")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/repo.git/info/refs", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("service") != "git-upload-pack" {
			http.Error(w, "only upload-pack", http.StatusForbidden)
			return
		}
		sess, err := srv.NewUploadPackSession(ep, nil)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		ar, err := sess.AdvertisedReferencesContext(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		ar.Prefix = [][]byte{[]byte("# service=git-upload-pack"), pktline.Flush}
		w.Header().Set("Content-Type", "application/x-git-upload-pack-advertisement")
		_ = ar.Encode(w)
	})
	mux.HandleFunc("/repo.git/git-upload-pack", func(w http.ResponseWriter, r *http.Request) {
		req := packp.NewUploadPackRequest()
		if err := req.Decode(r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		pack, err := everything(repo.Storer)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/x-git-upload-pack-result")
		_ = packp.NewUploadPackResponseWithPackfile(req, io.NopCloser(bytes.NewReader(pack))).Encode(w)
	})
	s := httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// everything packs every object the store holds. go-git's own upload-pack
// walks the trees it sends and, since v5.19.2, refuses hostile entry names
// such as ".."; a hostile server does not, so the tests send the objects
// as they are.
func everything(s storer.EncodedObjectStorer) ([]byte, error) {
	iter, err := s.IterEncodedObjects(plumbing.AnyObject)
	if err != nil {
		return nil, err
	}
	var hashes []plumbing.Hash
	err = iter.ForEach(func(o plumbing.EncodedObject) error {
		hashes = append(hashes, o.Hash())
		return nil
	})
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := packfile.NewEncoder(&buf, s, false).Encode(hashes, 10); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
