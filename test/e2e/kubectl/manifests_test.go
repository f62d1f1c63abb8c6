package kubectl

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skiff-k8s/skiff/test/compat"
	"github.com/skiff-k8s/skiff/test/testserver"
)

var writeKnownGet = flag.Bool("write-known-differences", false,
	"rewrite test/compat/testdata/known-differences-get.txt to list exactly the cases whose kubectl output differs today (keeping existing reasons)")

// TestManifestSet applies the differential test's manifest set (every
// manifest of test/compat/testdata/manifests upstream accepts: at least one
// object of every kind) with kubectl to a fresh skiff — kubectl apply, or
// kubectl create for the objects without a name — and compares what
// kubectl printed, and then `kubectl get <resource>/<name> -o wide` of
// every named object, with upstream kube-apiserver's outputs recorded by
// hack/compat (test/compat/testdata/golden/apply.txt and get/<case>.txt).
// A difference must be listed in
// test/compat/testdata/known-differences-get.txt ("apply" for the apply
// output); a listed case that matches fails too.
func TestManifestSet(t *testing.T) {
	dir := compat.Testdata()
	cases, err := compat.GetCases(dir)
	if err != nil {
		t.Fatal(err)
	}
	known, err := compat.KnownGetDifferences(dir)
	if err != nil {
		t.Fatal(err)
	}
	// A fresh server of its own: the set has cluster-scoped objects (a
	// namespace, a node, webhooks, an APIService...) that must not meet
	// the other tests'.
	s, err := testserver.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := compat.Setup(ctx, s.Config); err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	run := func(args ...string) (string, string, error) {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		args = append([]string{"kubectl", "--kubeconfig", s.Kubeconfig, "--cache-dir", cache}, args...)
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = append(os.Environ(), "KUBECONFIG="+s.Kubeconfig, "HOME="+tmp)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		return out.String(), errb.String(), err
	}
	outs, setErr := compat.KubectlSet(ctx, s.Config, run, t.TempDir(), cases)
	if outs == nil {
		t.Fatal(setErr)
	}
	if setErr != nil {
		// Not every object accepted: the apply golden's diff shows which.
		t.Logf("kubectl set: %v", setErr)
	}

	// name -> difference ("" when equal).
	diffs := map[string]string{}
	reasons := map[string]string{}
	names := []string{"apply"}
	diffs["apply"] = goldenDiff(t, dir, compat.ApplyGolden, outs[compat.ApplyGolden])
	if diffs["apply"] != "" {
		reasons["apply"] = fmt.Sprintf("%d lines differ", strings.Count(diffs["apply"], "\n"))
	}
	for _, c := range cases {
		if c.Create() {
			continue
		}
		names = append(names, c.Name)
		d := goldenDiff(t, dir, compat.GetGolden(c.Name), outs[compat.GetGolden(c.Name)])
		diffs[c.Name] = d
		if d != "" {
			reasons[c.Name] = getReason(d)
		}
	}
	for name := range known {
		if _, ok := diffs[name]; !ok {
			t.Errorf("%s lists %q, which is not a case of the kubectl set", compat.KnownGetFile, name)
		}
	}
	if *writeKnownGet {
		if known, err = compat.WriteKnownGetDifferences(dir, diffs, known, reasons); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s: %d cases", compat.KnownGetFile, len(known))
	}

	matched := 0
	for _, name := range names {
		diff := diffs[name]
		if diff == "" {
			matched++
		}
		t.Run(name, func(t *testing.T) {
			why, listed := known[name]
			switch {
			case diff != "" && !listed:
				t.Errorf("kubectl output differs from upstream kube-apiserver's (- upstream, + skiff); fix it or list %q in test/compat/testdata/%s:\n%s", name, compat.KnownGetFile, diff)
			case diff != "" && listed:
				t.Logf("known difference (%s):\n%s", why, diff)
			case listed:
				t.Errorf("matches upstream now: remove %q from test/compat/testdata/%s", name, compat.KnownGetFile)
			}
		})
	}
	t.Logf("%d of %d kubectl outputs match upstream", matched, len(names))
}

// goldenDiff is the line diff of a golden file (upstream) and got (skiff).
func goldenDiff(t *testing.T, dir, name, got string) string {
	t.Helper()
	want, err := os.ReadFile(filepath.Join(dir, "golden", name))
	if err != nil {
		return fmt.Sprintf("no golden file (run hack/compat -update): %v\n", err)
	}
	if string(want) == got {
		return ""
	}
	return compat.TextDiff(string(want), got)
}

// getReason is a one-line summary of a get difference for new entries of
// the known differences: the upstream line that differs.
func getReason(diff string) string {
	for _, l := range strings.Split(diff, "\n") {
		if strings.HasPrefix(l, "- ") {
			if strings.HasPrefix(l, "- NAME") || strings.HasPrefix(l, "- LAST SEEN") {
				return "columns differ (upstream: " + strings.Join(strings.Fields(l[2:]), " ") + ")"
			}
			return "row differs (upstream: " + strings.Join(strings.Fields(l[2:]), " ") + ")"
		}
	}
	return "output differs"
}

// TestExplainCRD creates a CRD whose structural schema describes its
// fields, waits for it to be Established and checks `kubectl explain`
// prints the descriptions, from the OpenAPI the CRD publishes.
func TestExplainCRD(t *testing.T) {
	crd := `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: sprockets.explain.example.com
spec:
  group: explain.example.com
  scope: Namespaced
  names: {plural: sprockets, singular: sprocket, kind: Sprocket, shortNames: [spr]}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        description: A Sprocket turns a chain.
        properties:
          spec:
            type: object
            description: SprocketSpec is the desired state of a Sprocket.
            required: [teeth]
            properties:
              teeth:
                type: integer
                description: Number of teeth around the rim.
              material:
                type: string
                description: What the sprocket is cast from.
                enum: [steel, brass]
              hub:
                type: object
                description: The hub joining the sprocket to its shaft.
                properties:
                  bore:
                    type: string
                    description: Diameter of the bore, with its unit.
`
	contains(t, "create crd", okIn(t, crd, "apply", "-f", "-"), "customresourcedefinition.apiextensions.k8s.io/sprockets.explain.example.com created")
	t.Cleanup(func() { kubectl(t, "", "delete", "crd", "sprockets.explain.example.com", "--wait=false") })
	contains(t, "wait", ok(t, "wait", "--for=condition=Established", "--timeout=60s", "crd/sprockets.explain.example.com"),
		"customresourcedefinition.apiextensions.k8s.io/sprockets.explain.example.com condition met")

	// The CRD's OpenAPI is published asynchronously after it is
	// established: retry until kubectl finds the kind (a fresh discovery
	// cache each time).
	var out, errOut string
	var err error
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, errOut, err = kubectl(t, "", "explain", "sprockets.spec", "--cache-dir", t.TempDir())
		if err == nil && strings.Contains(out, "teeth") || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("kubectl explain sprockets.spec: %v\n%s%s", err, out, errOut)
	}
	contains(t, "explain sprockets.spec", out,
		"GROUP:      explain.example.com",
		"KIND:       Sprocket",
		"VERSION:    v1",
		"FIELD: spec <Object>",
		"SprocketSpec is the desired state of a Sprocket.",
		"hub\t<Object>",
		"The hub joining the sprocket to its shaft.",
		"material\t<string>",
		"What the sprocket is cast from.",
		"enum: steel, brass",
		"teeth\t<integer> -required-",
		"Number of teeth around the rim.",
	)
	cache := t.TempDir() // discovery as of now, with the CRD
	out = ok(t, "explain", "spr.spec.hub.bore", "--cache-dir", cache)
	contains(t, "explain spr.spec.hub.bore", out, "FIELD: bore <string>", "Diameter of the bore, with its unit.")
	out = ok(t, "explain", "sprocket", "--cache-dir", cache)
	contains(t, "explain sprocket", out, "A Sprocket turns a chain.", "apiVersion\t<string>", "metadata\t<ObjectMeta>", "spec\t<Object>")
}
