package compat

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/skiff-k8s/skiff/test/testserver"
)

var writeKnown = flag.Bool("write-known-differences", false,
	"rewrite testdata/known-differences.txt to list exactly the cases that differ today (keeping existing reasons)")

// discovery are the kubectl outputs compared, by golden file name.
var discovery = []struct {
	name string
	args []string
}{
	{"api-resources", []string{"api-resources", "-o", "wide"}},
	{"api-versions", []string{"api-versions"}},
}

// TestCompat sends every manifest to an in-process skiff exactly as
// hack/compat sent it to upstream kube-apiserver and compares the
// normalised answers with the goldens. A case that differs must be listed
// in testdata/known-differences.txt; a listed case that matches fails too,
// so the list only shrinks.
func TestCompat(t *testing.T) {
	dir := Testdata()
	cases, err := LoadCases(dir)
	if err != nil {
		t.Fatal(err)
	}
	known, err := KnownDifferences(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, d := range discovery {
		names[d.name] = true
	}
	for _, c := range cases {
		names[c.Name] = true
	}
	for name := range known {
		if !names[name] {
			t.Errorf("known-differences.txt lists %q, which is not a case", name)
		}
	}

	srv, err := testserver.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()

	// name -> difference ("" when equal), in order.
	var order []string
	diffs := map[string]string{}
	reasons := map[string]string{}

	// Discovery first: the cases add a CRD and an APIService.
	if testing.Short() && os.Getenv("SKIFF_BIN") == "" {
		t.Log("-short without SKIFF_BIN: not building skiff for kubectl; api-resources and api-versions not compared")
	} else {
		bin, err := testserver.Binary(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		cache := t.TempDir()
		for _, d := range discovery {
			want, err := os.ReadFile(filepath.Join(dir, "golden", d.name+".txt"))
			if err != nil {
				t.Fatal(err)
			}
			args := append([]string{"kubectl", "--kubeconfig", srv.Kubeconfig, "--cache-dir", cache}, d.args...)
			cmd := exec.Command(bin, args...)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			diff := TextDiff(string(want), NormalizeTable(string(out)))
			if err != nil {
				diff = fmt.Sprintf("skiff kubectl %s: %v\n%s", strings.Join(d.args, " "), err, stderr.String()) + diff
			}
			order = append(order, d.name)
			diffs[d.name] = diff
			if diff != "" {
				reasons[d.name] = fmt.Sprintf("%d lines differ", strings.Count(diff, "\n"))
			}
		}
	}

	if err := Setup(ctx, srv.Config); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		order = append(order, c.Name)
		want, err := ReadGolden(dir, c.Name)
		if err != nil {
			diffs[c.Name] = fmt.Sprintf("no golden file (run hack/compat): %v", err)
			reasons[c.Name] = "no golden file"
			continue
		}
		got, err := Do(ctx, srv.Config, want.Request, c.Body())
		if err != nil {
			diffs[c.Name] = fmt.Sprintf("%s %s: %v", want.Request.Method, want.Request.Path, err)
			reasons[c.Name] = "request failed"
			continue
		}
		diffs[c.Name] = diffAnswers(want, got)
		if diffs[c.Name] != "" {
			reasons[c.Name] = reason(want, got, diffs[c.Name])
		}
	}

	if *writeKnown {
		known = writeKnownDifferences(t, dir, order, diffs, known, reasons)
	}

	matched := 0
	for _, name := range order {
		diff := diffs[name]
		if diff == "" {
			matched++
		}
		t.Run(name, func(t *testing.T) {
			why, listed := known[name]
			switch {
			case diff != "" && !listed:
				t.Errorf("differs from upstream kube-apiserver (want = upstream, got = skiff); fix it or add %q to testdata/known-differences.txt:\n%s", name, diff)
			case diff != "" && listed:
				t.Logf("known difference (%s):\n%s", why, diff)
			case listed:
				t.Errorf("matches upstream now: remove %q from testdata/known-differences.txt", name)
			}
		})
	}
	t.Logf("%d of %d cases match upstream", matched, len(order))
}

// diffAnswers compares two answers. When the status codes differ, the
// bodies are different kinds of thing (object vs Status): it says so
// rather than listing every field.
func diffAnswers(want, got *Golden) string {
	if want.Code != got.Code {
		return fmt.Sprintf(".code: want %d, got %d\nupstream: %s\nskiff:    %s\n",
			want.Code, got.Code, summary(want), summary(got))
	}
	return Diff(comparable(want), comparable(got))
}

// summary is a Status's message, or the start of the body.
func summary(g *Golden) string {
	if b, ok := g.Body.(map[string]any); ok && b["kind"] == "Status" {
		if m, ok := b["message"].(string); ok {
			return fmt.Sprintf("Status %v: %s", b["reason"], m)
		}
	}
	return short(g.Body)
}

// comparable is what is compared of an answer: the request is input.
func comparable(g *Golden) any {
	m := map[string]any{"code": float64(g.Code), "body": g.Body}
	if len(g.Warnings) > 0 {
		w := make([]any, len(g.Warnings))
		for i, s := range g.Warnings {
			w[i] = s
		}
		m["warnings"] = w
	}
	return m
}

// reason is a one-line summary of a difference, for new entries of
// known-differences.txt.
func reason(want, got *Golden, diff string) string {
	if want.Code != got.Code {
		msg := ""
		if b, ok := got.Body.(map[string]any); ok {
			msg, _ = b["message"].(string)
		} else if s, ok := got.Body.(string); ok {
			msg = s
		}
		if len(msg) > 100 {
			msg = msg[:100] + "..."
		}
		return fmt.Sprintf("skiff answers HTTP %d (%s), upstream %d", got.Code, msg, want.Code)
	}
	lines := strings.Split(strings.TrimSpace(diff), "\n")
	first, _, _ := strings.Cut(lines[0], ": ")
	return fmt.Sprintf("%d field(s) differ, first %s", len(lines), first)
}

func writeKnownDifferences(t *testing.T, dir string, order []string, diffs, old, reasons map[string]string) map[string]string {
	var b strings.Builder
	b.WriteString(`# Cases of TestCompat whose answer from skiff differs from upstream
# kube-apiserver v1.37.2 today, each with a one-line reason. TestCompat fails
# on a difference not listed here and on a listed case that now matches.
# Regenerate with: go test ./test/compat -run TestCompat -args -write-known-differences
# (existing reasons are kept; edit them freely).
`)
	sorted := append([]string(nil), order...)
	now := map[string]string{}
	for name, why := range old {
		if _, evaluated := diffs[name]; !evaluated { // e.g. discovery under -short
			sorted = append(sorted, name)
			diffs[name] = why
		}
	}
	sort.Strings(sorted)
	for _, name := range sorted {
		if diffs[name] == "" {
			continue
		}
		why := old[name]
		if why == "" {
			why = reasons[name]
		}
		now[name] = why
		fmt.Fprintf(&b, "%-48s %s\n", name, why)
	}
	if err := os.WriteFile(filepath.Join(dir, "known-differences.txt"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote known-differences.txt: %d cases", len(now))
	return now
}
