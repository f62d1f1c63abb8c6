// Package compat is the differential test against upstream kube-apiserver:
// every manifest under testdata/manifests is POSTed to a server and the
// answer, normalised, is compared with what upstream kube-apiserver v1.37.2
// answered (testdata/golden, written by hack/compat). This file is shared
// by the test and the generator.
package compat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"
)

// Namespace is where namespaced manifests are created.
const Namespace = "compat"

// FieldManager is sent with every create, so managedFields do not depend
// on the client's user agent.
const FieldManager = "compat"

// Testdata is the absolute path of test/compat/testdata.
func Testdata() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "testdata")
}

// Case is one manifest file.
type Case struct {
	// Name is the file name without .yaml.
	Name string
	// Object is the manifest as JSON.
	Object map[string]any
}

// GVK is the case's group, version and kind.
func (c Case) GVK() schema.GroupVersionKind {
	av, _ := c.Object["apiVersion"].(string)
	k, _ := c.Object["kind"].(string)
	return schema.FromAPIVersionAndKind(av, k)
}

// Body is the request body.
func (c Case) Body() []byte {
	b, _ := json.Marshal(c.Object)
	return b
}

// LoadCases reads every testdata/manifests/*.yaml, sorted by name.
func LoadCases(dir string) ([]Case, error) {
	files, err := filepath.Glob(filepath.Join(dir, "manifests", "*.yaml"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var cases []Case
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var obj map[string]any
		if err := yaml.Unmarshal(b, &obj); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		if obj == nil {
			return nil, fmt.Errorf("%s: empty manifest", f)
		}
		cases = append(cases, Case{Name: strings.TrimSuffix(filepath.Base(f), ".yaml"), Object: obj})
	}
	return cases, nil
}

// Request is what was sent.
type Request struct {
	Method string `json:"method"`
	Path   string `json:"path"`
}

// Golden is a server's normalised answer to one case.
type Golden struct {
	Request Request `json:"request"`
	// Code is the HTTP status code.
	Code int `json:"code"`
	// Warnings are the Warning headers of the answer.
	Warnings []string `json:"warnings,omitempty"`
	// Body is the decoded JSON answer (the object, or a Status), or the
	// raw text when it is not JSON.
	Body any `json:"body"`
}

// GoldenPath is the golden file of a case.
func GoldenPath(dir, name string) string {
	return filepath.Join(dir, "golden", name+".json")
}

// ReadGolden reads a case's golden file.
func ReadGolden(dir, name string) (*Golden, error) {
	b, err := os.ReadFile(GoldenPath(dir, name))
	if err != nil {
		return nil, err
	}
	var g Golden
	if err := json.Unmarshal(b, &g); err != nil {
		return nil, fmt.Errorf("%s: %w", GoldenPath(dir, name), err)
	}
	return &g, nil
}

// Marshal is the golden file format: indented JSON, keys sorted.
func (g *Golden) Marshal() []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(g); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// Do sends req with body to the server of cfg and returns the normalised
// answer.
func Do(ctx context.Context, cfg *rest.Config, req Request, body []byte) (*Golden, error) {
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, err
	}
	u := strings.TrimSuffix(cfg.Host, "/") + req.Path
	if req.Method == http.MethodPost {
		u += "?fieldManager=" + FieldManager
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, req.Method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Accept", "application/json")
	hr.Header.Set("User-Agent", "compat")
	resp, err := hc.Do(hr)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	g := &Golden{Request: req, Code: resp.StatusCode}
	for _, w := range resp.Header.Values("Warning") {
		// RFC 7234 warning: `299 - "text"`.
		if rest, ok := strings.CutPrefix(w, "299 - "); ok {
			if t, err := strconv.Unquote(rest); err == nil {
				w = t
			}
		}
		g.Warnings = append(g.Warnings, normalizeString(w))
	}
	var v any
	if err := json.Unmarshal(raw, &v); err == nil {
		g.Body = Normalize(v)
	} else {
		g.Body = strings.TrimSpace(string(raw))
	}
	return g, nil
}

// Setup creates the namespace the cases use and its "default"
// ServiceAccount (which, with no controller manager, nothing else
// creates; upstream's ServiceAccount admission needs it for pods). An
// object that already exists is fine.
func Setup(ctx context.Context, cfg *rest.Config) error {
	steps := []struct {
		path string
		body string
	}{
		{"/api/v1/namespaces", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"` + Namespace + `"}}`},
		{"/api/v1/namespaces/" + Namespace + "/serviceaccounts", `{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"default"}}`},
	}
	for _, s := range steps {
		g, err := Do(ctx, cfg, Request{Method: http.MethodPost, Path: s.path}, []byte(s.body))
		if err != nil {
			return err
		}
		if g.Code != http.StatusCreated && g.Code != http.StatusConflict {
			return fmt.Errorf("setup POST %s: HTTP %d: %v", s.path, g.Code, g.Body)
		}
	}
	return nil
}

// Placeholders for volatile values.
const (
	phUID       = "<uid>"
	phRV        = "<resourceVersion>"
	phTime      = "<timestamp>"
	phRandom    = "<random>"
	phClusterIP = "<clusterIP>"
	phNodePort  = "<nodePort>"
)

var (
	// kube-api-access-xxxxx: the projected token volume ServiceAccount
	// admission adds to pods.
	// The credential-id extra of x509 users: the client certificate's
	// fingerprint.
	reFingerprint  = regexp.MustCompile(`\bX509SHA256=[0-9a-f]{64}\b`)
	reRandomSuffix = regexp.MustCompile(`\b(kube-api-access-)[a-z0-9]{5}\b`)
	// UIDs: metadata.uid and wherever it is repeated (a Job's
	// controller-uid labels, owner references, messages).
	reUID = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
)

// Normalize replaces volatile values in a decoded JSON answer with
// placeholders: metadata.uid (and the uid wherever it is repeated, e.g. a
// Job's controller-uid labels), resourceVersion, every timestamp of the
// last week (creationTimestamp, managedFields[].time,
// lastPhaseTransitionTime, ...; fixed timestamps written in manifests
// stay), generated name suffixes, allocated Service cluster IPs and node
// ports, client certificate fingerprints, and the random suffix of
// kube-api-access-* volumes.
// metadata.generation and everything else stays.
func Normalize(v any) any {
	obj, ok := v.(map[string]any)
	if !ok {
		return v
	}
	if md, ok := obj["metadata"].(map[string]any); ok {
		if rv, ok := md["resourceVersion"].(string); ok && rv != "" {
			md["resourceVersion"] = phRV
		}
		if gn, ok := md["generateName"].(string); ok && gn != "" {
			if n, ok := md["name"].(string); ok && strings.HasPrefix(n, gn) {
				md["name"] = gn + phRandom
			}
		}
	}
	if obj["kind"] == "SelfSubjectRulesReview" {
		// Rules come in the order of the authorizer's caches.
		if st, ok := obj["status"].(map[string]any); ok {
			for _, k := range []string{"resourceRules", "nonResourceRules"} {
				if rules, ok := st[k].([]any); ok {
					sort.Slice(rules, func(i, j int) bool { return short(rules[i]) < short(rules[j]) })
				}
			}
		}
	}
	if obj["kind"] == "Service" {
		if spec, ok := obj["spec"].(map[string]any); ok {
			normalizeService(spec)
		}
	}
	return walk(v, normalizeString)
}

func normalizeString(s string) string {
	now := time.Now()
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil && t.After(now.Add(-7*24*time.Hour)) && t.Before(now.Add(7*24*time.Hour)) {
		return phTime
	}
	s = reUID.ReplaceAllString(s, phUID)
	s = reRandomSuffix.ReplaceAllString(s, "${1}"+phRandom)
	s = reFingerprint.ReplaceAllString(s, "X509SHA256=<fingerprint>")
	return s
}

func normalizeService(spec map[string]any) {
	if ip, ok := spec["clusterIP"].(string); ok && ip != "" && ip != "None" {
		spec["clusterIP"] = phClusterIP
	}
	if ips, ok := spec["clusterIPs"].([]any); ok {
		for i, ip := range ips {
			if s, ok := ip.(string); ok && s != "None" {
				ips[i] = phClusterIP
			}
		}
	}
	if ports, ok := spec["ports"].([]any); ok {
		for _, p := range ports {
			if pm, ok := p.(map[string]any); ok {
				if _, ok := pm["nodePort"]; ok {
					pm["nodePort"] = phNodePort
				}
			}
		}
	}
	if _, ok := spec["healthCheckNodePort"]; ok {
		spec["healthCheckNodePort"] = phNodePort
	}
}

func walk(v any, f func(string) string) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = walk(e, f)
		}
	case []any:
		for i, e := range x {
			x[i] = walk(e, f)
		}
	case string:
		return f(x)
	}
	return v
}

// NormalizeTable normalises kubectl's table output: runs of blanks become
// one space, lines are sorted (a header line, all capitals, stays first).
func NormalizeTable(out string) string {
	var header, lines []string
	for _, l := range strings.Split(out, "\n") {
		l = strings.Join(strings.Fields(l), " ")
		if l == "" {
			continue
		}
		if len(header) == 0 && len(lines) == 0 && strings.HasPrefix(l, "NAME ") {
			header = append(header, l)
			continue
		}
		lines = append(lines, l)
	}
	sort.Strings(lines)
	return strings.Join(append(header, lines...), "\n") + "\n"
}

// KnownDifferences reads testdata/known-differences.txt: one case name per
// line, then whitespace and a one-line reason; # comments and blank lines
// are ignored.
func KnownDifferences(dir string) (map[string]string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "known-differences.txt"))
	if os.IsNotExist(err) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for i, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		name, reason, _ := strings.Cut(l, " ")
		if _, dup := m[name]; dup {
			return nil, fmt.Errorf("known-differences.txt:%d: %s listed twice", i+1, name)
		}
		m[name] = strings.TrimSpace(reason)
	}
	return m, nil
}

// Diff lists the differences between two decoded JSON values, one per
// line, as "path: want X, got Y"; empty when they are equal.
func Diff(want, got any) string {
	var b strings.Builder
	diff(&b, "", want, got)
	return b.String()
}

func diff(b *strings.Builder, path string, want, got any) {
	if path == "" {
		path = "."
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			break
		}
		keys := map[string]bool{}
		for k := range w {
			keys[k] = true
		}
		for k := range g {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			p := strings.TrimSuffix(path, ".") + "." + k
			wv, wok := w[k]
			gv, gok := g[k]
			switch {
			case !gok:
				fmt.Fprintf(b, "%s: missing (want %s)\n", p, short(wv))
			case !wok:
				fmt.Fprintf(b, "%s: unexpected %s\n", p, short(gv))
			default:
				diff(b, p, wv, gv)
			}
		}
		return
	case []any:
		g, ok := got.([]any)
		if !ok {
			break
		}
		for i := 0; i < len(w) || i < len(g); i++ {
			p := fmt.Sprintf("%s[%d]", strings.TrimSuffix(path, "."), i)
			switch {
			case i >= len(g):
				fmt.Fprintf(b, "%s: missing (want %s)\n", p, short(w[i]))
			case i >= len(w):
				fmt.Fprintf(b, "%s: unexpected %s\n", p, short(g[i]))
			default:
				diff(b, p, w[i], g[i])
			}
		}
		return
	}
	wj, gj := short(want), short(got)
	if wj != gj {
		fmt.Fprintf(b, "%s: want %s, got %s\n", path, wj, gj)
	}
}

func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}

// TextDiff is a line diff of two normalised kubectl outputs: lines only
// in want ("-") and only in got ("+").
func TextDiff(want, got string) string {
	count := map[string]int{}
	for _, l := range strings.Split(got, "\n") {
		count[l]++
	}
	var b strings.Builder
	for _, l := range strings.Split(want, "\n") {
		if count[l] > 0 {
			count[l]--
			continue
		}
		fmt.Fprintf(&b, "- %s\n", l)
	}
	for _, l := range strings.Split(got, "\n") {
		if count[l] > 0 {
			count[l]--
			fmt.Fprintf(&b, "+ %s\n", l)
		}
	}
	return b.String()
}
