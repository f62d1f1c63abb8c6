package integration

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
)

// do sends a request as the admin user and decodes a Status on failure.
func do(t *testing.T, method, path, contentType string, body []byte) (int, []byte) {
	t.Helper()
	client, err := rest.HTTPClientFor(srv.Config)
	if err != nil {
		t.Fatal(err)
	}
	return send(t, client, method, path, contentType, body)
}

func send(t *testing.T, client *http.Client, method, path, contentType string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

func status(t *testing.T, body []byte) metav1.Status {
	t.Helper()
	var s metav1.Status
	if err := json.Unmarshal(body, &s); err != nil || s.Kind != "Status" {
		t.Fatalf("not a Status body (%v): %s", err, body)
	}
	return s
}

func TestAnonymousOnlyOnPublicPaths(t *testing.T) {
	anon := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	for _, p := range []string{"/healthz", "/livez", "/readyz", "/version"} {
		if code, body := send(t, anon, "GET", p, "", nil); code != 200 {
			t.Errorf("anonymous GET %s = %d %s", p, code, body)
		}
	}
	for _, p := range []string{"/api/v1/namespaces", "/apis", "/openapi/v2"} {
		code, body := send(t, anon, "GET", p, "", nil)
		if code != 401 {
			t.Errorf("anonymous GET %s = %d, want 401", p, code)
			continue
		}
		if s := status(t, body); s.Reason != metav1.StatusReasonUnauthorized {
			t.Errorf("%s: reason %q", p, s.Reason)
		}
	}
}

func TestBadInputGetsStatus(t *testing.T) {
	ns := newNamespace(t)
	path := "/api/v1/namespaces/" + ns + "/configmaps"
	cases := []struct {
		name, ctype, body string
		code              int
		msg               string
	}{
		{"malformed json", "application/json", `{"apiVersion":`, 400, ""},
		{"malformed yaml", "application/yaml", "apiVersion: v1\nkind: [", 400, ""},
		{"wrong apiVersion", "application/json", `{"apiVersion":"v2","kind":"ConfigMap","metadata":{"name":"x"}}`, 400, "cannot be handled as a ConfigMap"},
		{"wrong kind", "application/json", `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"}}`, 400, ""},
		{"invalid name", "application/json", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"UPPER"}}`, 422, "metadata.name"},
		{"unsupported media type", "text/plain", `hello`, 415, ""},
	}
	for _, c := range cases {
		code, body := do(t, "POST", path, c.ctype, []byte(c.body))
		if code != c.code {
			t.Errorf("%s: code %d, want %d: %s", c.name, code, c.code, body)
			continue
		}
		s := status(t, body)
		if int(s.Code) != c.code || s.Status != metav1.StatusFailure {
			t.Errorf("%s: status body %+v", c.name, s)
		}
		if c.msg != "" && !strings.Contains(string(body), c.msg) {
			t.Errorf("%s: body lacks %q: %s", c.name, c.msg, body)
		}
	}
	if code, body := do(t, "GET", "/api/v1/widgets", "", nil); code != 404 {
		t.Errorf("unknown resource: %d %s", code, body)
	}
	if code, body := do(t, "GET", "/apis/nope.example.com/v1/things", "", nil); code != 404 {
		t.Errorf("unknown group: %d %s", code, body)
	}
}

func TestOversizedObjects(t *testing.T) {
	ns := newNamespace(t)
	path := "/api/v1/namespaces/" + ns + "/configmaps"
	// 2 MiB of data: over the 1 MiB ConfigMap limit, under the body limit.
	big := strings.Repeat("x", 2<<20)
	code, body := do(t, "POST", path, "application/json", []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"big"},"data":{"k":"`+big+`"}}`))
	if code != 422 || !strings.Contains(string(body), "may not be more than 1048576 bytes") {
		t.Errorf("2 MiB configmap: %d %.300s", code, body)
	}
	// 4 MiB body: over the apiserver's 3 MiB request limit.
	huge := strings.Repeat("x", 4<<20)
	code, body = do(t, "POST", path, "application/json", []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"huge"},"data":{"k":"`+huge+`"}}`))
	if code != 413 {
		t.Errorf("4 MiB body: %d %.300s", code, body)
	}
	// Nothing was stored, and the server still answers.
	code, body = do(t, "GET", path, "", nil)
	if code != 200 || strings.Contains(string(body), `"big"`) || strings.Contains(string(body), `"huge"`) {
		t.Errorf("after oversized posts: %d %.300s", code, body)
	}
}

func TestDiscoveryAndOpenAPI(t *testing.T) {
	code, body := do(t, "GET", "/openapi/v2", "", nil)
	if code != 200 || !strings.Contains(string(body), `"io.k8s.api.core.v1.ConfigMap"`) {
		t.Errorf("/openapi/v2: %d, ConfigMap definition missing", code)
	}
	code, body = do(t, "GET", "/openapi/v3/api/v1", "", nil)
	if code != 200 || !strings.Contains(string(body), `io.k8s.api.core.v1.Secret`) {
		t.Errorf("/openapi/v3/api/v1: %d", code)
	}
	groups, resources, err := srv.Client.Discovery().ServerGroupsAndResources()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"v1": false, "authorization.k8s.io/v1": false, "coordination.k8s.io/v1": false, "events.k8s.io/v1": false}
	for _, g := range groups {
		for _, v := range g.Versions {
			if _, ok := want[v.GroupVersion]; ok {
				want[v.GroupVersion] = true
			}
		}
	}
	for gv, ok := range want {
		if !ok {
			t.Errorf("discovery lacks %s", gv)
		}
	}
	for _, list := range resources {
		if list.GroupVersion != "v1" {
			continue
		}
		for _, r := range list.APIResources {
			if r.Name == "configmaps" && (len(r.ShortNames) != 1 || r.ShortNames[0] != "cm") {
				t.Errorf("configmaps short names %v", r.ShortNames)
			}
		}
	}
}

func TestTableColumns(t *testing.T) {
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/namespaces/default/secrets", nil)
	req.Header.Set("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
	client, _ := rest.HTTPClientFor(srv.Config)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var table metav1.Table
	if err := json.NewDecoder(resp.Body).Decode(&table); err != nil {
		t.Fatal(err)
	}
	var cols []string
	for _, c := range table.ColumnDefinitions {
		cols = append(cols, c.Name)
	}
	if strings.Join(cols, ",") != "Name,Type,Data,Age" {
		t.Errorf("secret columns = %v", cols)
	}
	_ = context.Background()
}
