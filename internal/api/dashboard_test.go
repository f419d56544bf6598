package api

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDashboardLogin(t *testing.T) {
	tests := []struct {
		name       string
		b          Backend
		token      string
		body       string
		wantStatus int
		wantBody   string
	}{
		{"login link", &fakeWallet{}, "Bearer tok", "", 200, `"url":"http://127.0.0.1:7350/login?code=c0de"`},
		{"no token", &fakeWallet{}, "", "", 401, "bearer token"},
		{"wrong token", &fakeWallet{}, "Bearer nope", "", 401, "bearer token"},
		{"a body", &fakeWallet{}, "Bearer tok", "{}", 413, "takes no request body"},
		{"no dashboard", &fakeBackend{}, "Bearer tok", "", 501, "serves no dashboard"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/v1/dashboard/login", strings.NewReader(tc.body))
			if tc.token != "" {
				req.Header.Set("Authorization", tc.token)
			}
			rec := httptest.NewRecorder()
			New(tc.b, "tok", nil, nil).ServeHTTP(rec, req)
			if rec.Code != tc.wantStatus || !strings.Contains(rec.Body.String(), tc.wantBody) {
				t.Fatalf("got %d %s, want %d containing %q", rec.Code, rec.Body.String(), tc.wantStatus, tc.wantBody)
			}
		})
	}
	rec := serve(New(&fakeWallet{}, "tok", nil, nil), "GET", "/v1/dashboard/login", "")
	if rec.Code != 405 {
		t.Fatalf("GET: got %d, want 405", rec.Code)
	}
}
