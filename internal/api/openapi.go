package api

import (
	_ "embed"
	"io"
	"net/http"
)

// openAPIDoc is the OpenAPI 3.0 description of this API, served at
// GET /v1/openapi.yaml without a token (it holds no secret, and tools
// fetch it before they are configured). TestOpenAPIMatchesRoutes keeps it
// in step with the routes and the Go types of their bodies.
//
//go:embed openapi.yaml
var openAPIDoc string

func (s *server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, openAPIDoc)
}
