package compat

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"
)

// The kubectl part of the differential test: every manifest upstream
// accepted is applied with `kubectl apply` (or, when it has no name — the
// reviews and generateName — created with `kubectl create`) to a fresh
// server, and `kubectl get <resource>/<name> -n compat -o wide` of each
// named one is compared with upstream's (testdata/golden/get/<case>.txt);
// what kubectl printed for the apply and create is compared too
// (testdata/golden/apply.txt).

// ApplyGolden is the golden file of the apply and create outputs.
const ApplyGolden = "apply.txt"

// GetGolden is the golden file name of a case's `kubectl get`.
func GetGolden(name string) string { return filepath.Join("get", name+".txt") }

// GetCase is a manifest of the kubectl set.
type GetCase struct {
	Case
	// Resource is the resource.version.group argument of kubectl get
	// ("services" for the core group).
	Resource string
	// ObjectName is metadata.name; empty for objects kubectl creates
	// (no name), which are not got.
	ObjectName string
	// Path is the object's collection path.
	Path string
}

// Create reports whether kubectl creates the object rather than applies it.
func (c GetCase) Create() bool { return c.ObjectName == "" }

// GetArgs are the kubectl arguments printing the case's object.
func (c GetCase) GetArgs() []string {
	return []string{"get", c.Resource + "/" + c.ObjectName, "-n", Namespace, "-o", "wide"}
}

// GetCases are the cases upstream accepted (a 2xx golden answer), with
// the resource and collection path of their golden request.
func GetCases(dir string) ([]GetCase, error) {
	cases, err := LoadCases(dir)
	if err != nil {
		return nil, err
	}
	var out []GetCase
	for _, c := range cases {
		g, err := ReadGolden(dir, c.Name)
		if err != nil {
			return nil, err
		}
		if g.Code < 200 || g.Code > 299 {
			continue
		}
		gvk := c.GVK()
		resource := g.Request.Path[strings.LastIndex(g.Request.Path, "/")+1:]
		if gvk.Group != "" {
			resource += "." + gvk.Version + "." + gvk.Group
		}
		name := ""
		if md, ok := c.Object["metadata"].(map[string]any); ok {
			name, _ = md["name"].(string)
		}
		out = append(out, GetCase{Case: c, Resource: resource, ObjectName: name, Path: g.Request.Path})
	}
	return out, nil
}

// Kubectl runs kubectl against one server, returning stdout and stderr.
type Kubectl func(args ...string) (stdout, stderr string, err error)

// KubectlSet applies (or creates) every case with kubectl, waits until
// the objects stop changing (controllers may update them) and gets each
// named one. It returns the normalised outputs by golden file name
// (ApplyGolden, GetGolden(case)) and whether kubectl apply and create
// succeeded.
func KubectlSet(ctx context.Context, cfg *rest.Config, kubectl Kubectl, work string, cases []GetCase) (map[string]string, error) {
	applyDir, createDir := filepath.Join(work, "apply"), filepath.Join(work, "create")
	for _, d := range []string{applyDir, createDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	var named []GetCase
	for _, c := range cases {
		b, err := yaml.Marshal(c.Object)
		if err != nil {
			return nil, err
		}
		d := applyDir
		if c.Create() {
			d = createDir
		} else {
			named = append(named, c)
		}
		if err := os.WriteFile(filepath.Join(d, c.Name+".yaml"), b, 0o644); err != nil {
			return nil, err
		}
	}
	out := map[string]string{}
	var apply strings.Builder
	var failed []string
	for _, step := range [][]string{
		{"apply", "-n", Namespace, "--validate=warn", "-f", applyDir},
		{"create", "-n", Namespace, "--validate=warn", "-f", createDir},
	} {
		stdout, stderr, err := kubectl(step...)
		stdout = normalizeGenerated(stdout, cases)
		fmt.Fprintf(&apply, "$ kubectl %s %s -f %s\n%s", step[0], strings.Join(step[1:len(step)-2], " "), filepath.Base(step[len(step)-1]), stdout)
		for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
			if l != "" {
				fmt.Fprintf(&apply, "stderr: %s\n", normalizeString(reKlog.ReplaceAllString(l, "${1}<klog>] ")))
			}
		}
		if err != nil {
			failed = append(failed, fmt.Sprintf("kubectl %s: %v", step[0], err))
			fmt.Fprintf(&apply, "exit: %v\n", err)
		}
	}
	out[ApplyGolden] = apply.String()
	if err := Settle(ctx, cfg, named); err != nil {
		return nil, err
	}
	for _, c := range named {
		stdout, stderr, err := kubectl(c.GetArgs()...)
		got := NormalizeGet(stdout)
		if err != nil {
			got += fmt.Sprintf("exit: %v\nstderr: %s\n", err, strings.TrimSpace(stderr))
		}
		out[GetGolden(c.Name)] = got
	}
	if len(failed) > 0 {
		return out, fmt.Errorf("%s", strings.Join(failed, "; "))
	}
	return out, nil
}

// Settle waits until the cases' objects keep their resourceVersions for a
// second (controllers react to new objects), for at most 30 seconds.
func Settle(ctx context.Context, cfg *rest.Config, cases []GetCase) error {
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return err
	}
	versions := func() string {
		var b strings.Builder
		for _, c := range cases {
			path := c.Path + "/" + c.ObjectName
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(cfg.Host, "/")+path, nil)
			req.Header.Set("Accept", "application/json")
			resp, err := hc.Do(req)
			if err != nil {
				fmt.Fprintf(&b, "%s: %v\n", path, err)
				continue
			}
			var obj struct {
				Metadata struct {
					ResourceVersion string `json:"resourceVersion"`
				} `json:"metadata"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&obj)
			resp.Body.Close()
			fmt.Fprintf(&b, "%s %d %s\n", path, resp.StatusCode, obj.Metadata.ResourceVersion)
		}
		return b.String()
	}
	last := versions()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
		now := versions()
		if now == last {
			return nil
		}
		last = now
	}
	return nil
}

// normalizeGenerated replaces the random suffix of the names of
// generateName cases in kubectl's output.
func normalizeGenerated(out string, cases []GetCase) string {
	for _, c := range cases {
		md, _ := c.Object["metadata"].(map[string]any)
		if gn, _ := md["generateName"].(string); gn != "" {
			re := regexp.MustCompile(`/` + regexp.QuoteMeta(gn) + `[a-z0-9]{5}\b`)
			out = re.ReplaceAllString(out, "/"+gn+phRandom)
		}
	}
	return out
}

var (
	// The header of a klog line: W1125 04:14:47.176662   23884 schema.go:145]
	reKlog = regexp.MustCompile(`^([IWEF])\d{4} [0-9:.]+\s+\d+ [^\]]*\] `)
	// Human durations as kubectl prints ages: 5s, 3m2s, 10d, <invalid>.
	reDuration = regexp.MustCompile(`^(<invalid>|<unknown>|(\d+[smhdy])+)$`)
	// A container's restarts: "1 (5m ago)".
	reAgo = regexp.MustCompile(`\((\d+[smhdy])+ ago\)`)
	// An allocated node port in a Service's PORT(S): 80:31234/TCP.
	reNodePort = regexp.MustCompile(`:\d+/`)
	reIP       = regexp.MustCompile(`^[0-9a-f.:]+$`)
)

// timeColumns are the columns of upstream's printers (and kubectl's
// defaults for CRDs) holding durations since a time.
var timeColumns = map[string]bool{
	"AGE": true, "DURATION": true, "FIRST SEEN": true, "LAST SEEN": true, "LAST SCHEDULE": true,
	"TIMEADDED": true, "RESPONDER HEARTBEAT": true, "RESPONDER EXPECTED FINISH": true,
}

// NormalizeGet normalises the table `kubectl get -o wide` prints: the
// cells are cut at the header's column starts and volatile ones replaced
// (durations in time columns → <age>, recent RFC 3339 times →
// <timestamp>, a Service's CLUSTER-IP → <clusterIP> and node ports in
// PORT(S) → <nodePort>), then the table is printed again with the
// columns three blanks apart. Output that is not a table is kept as is.
func NormalizeGet(out string) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "NAME") && !strings.HasPrefix(lines[0], "LAST SEEN") {
		return out
	}
	header := []rune(lines[0])
	var starts []int
	for i, r := range header {
		if r != ' ' && (i == 0 || i >= 2 && header[i-1] == ' ' && header[i-2] == ' ') {
			starts = append(starts, i)
		}
	}
	cut := func(line []rune) []string {
		cells := make([]string, len(starts))
		for j, s := range starts {
			e := len(line)
			if j+1 < len(starts) && starts[j+1] < e {
				e = starts[j+1]
			}
			if s < e {
				cells[j] = strings.TrimSpace(string(line[s:e]))
			}
		}
		return cells
	}
	names := cut(header)
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 4, 3, ' ', 0)
	fmt.Fprintln(w, strings.Join(names, "\t"))
	for _, l := range lines[1:] {
		cells := cut([]rune(l))
		for j, c := range cells {
			cells[j] = normalizeCell(names[j], c)
		}
		fmt.Fprintln(w, strings.Join(cells, "\t"))
	}
	_ = w.Flush()
	var trimmed []string
	for _, l := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
		trimmed = append(trimmed, strings.TrimRight(l, " "))
	}
	return strings.Join(trimmed, "\n") + "\n"
}

func normalizeCell(column, cell string) string {
	switch {
	case timeColumns[column] && reDuration.MatchString(cell):
		return "<age>"
	case column == "CLUSTER-IP" && cell != "None" && reIP.MatchString(cell):
		return phClusterIP
	case column == "PORT(S)":
		return reNodePort.ReplaceAllString(cell, ":"+phNodePort+"/")
	case column == "RESTARTS":
		return reAgo.ReplaceAllString(cell, "(<age> ago)")
	}
	return normalizeString(cell)
}

// KnownGetDifferences reads testdata/known-differences-get.txt, in the
// format of known-differences.txt: the cases whose kubectl output differs
// (and "apply" for the apply and create outputs).
func KnownGetDifferences(dir string) (map[string]string, error) {
	return readKnown(filepath.Join(dir, KnownGetFile))
}

// KnownGetFile is the known differences file of the kubectl set.
const KnownGetFile = "known-differences-get.txt"

func readKnown(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
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
			return nil, fmt.Errorf("%s:%d: %s listed twice", filepath.Base(path), i+1, name)
		}
		m[name] = strings.TrimSpace(reason)
	}
	return m, nil
}

// WriteKnownGetDifferences writes known-differences-get.txt listing the
// names with a difference, keeping the reasons of old.
func WriteKnownGetDifferences(dir string, diffs, old, reasons map[string]string) (map[string]string, error) {
	var b strings.Builder
	b.WriteString(`# Cases of the kubectl set (test/e2e/kubectl TestManifestSet) whose
# "kubectl get <resource>/<name> -o wide" output differs from upstream
# kube-apiserver v1.37.2's (golden/get/<case>.txt); "apply" is the output of
# kubectl apply/create of the whole set (golden/apply.txt). The test fails on
# a difference not listed here and on a listed case that now matches.
# Regenerate with: go test ./test/e2e/kubectl -run TestManifestSet -args -write-known-differences
# (existing reasons are kept; edit them freely).
`)
	var names []string
	for n, d := range diffs {
		if d != "" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	now := map[string]string{}
	for _, n := range names {
		why := old[n]
		if why == "" {
			why = reasons[n]
		}
		now[n] = why
		fmt.Fprintf(&b, "%-40s %s\n", n, why)
	}
	return now, os.WriteFile(filepath.Join(dir, KnownGetFile), []byte(b.String()), 0o644)
}
