package kubectl

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestVersionAndResources(t *testing.T) {
	out := ok(t, "version")
	contains(t, "version", out, "Client Version: v1.37.2+skiff", "Server Version: v1.37.2+skiff")
	out = ok(t, "api-resources")
	contains(t, "api-resources", out, "configmaps", "cm", "namespaces", "leases", "selfsubjectaccessreviews")
	out = ok(t, "api-versions")
	contains(t, "api-versions", out, "v1\n", "coordination.k8s.io/v1", "events.k8s.io/v1", "authorization.k8s.io/v1")
}

func TestGetNamespaces(t *testing.T) {
	out := ok(t, "get", "ns")
	if !regexp.MustCompile(`(?m)^NAME\s+STATUS\s+AGE$`).MatchString(out) {
		t.Errorf("header: %s", out)
	}
	for _, ns := range []string{"default", "kube-system", "kube-public", "kube-node-lease"} {
		if !regexp.MustCompile(`(?m)^` + ns + `\s+Active\s+\S+$`).MatchString(out) {
			t.Errorf("no Active row for %s:\n%s", ns, out)
		}
	}
}

func TestCreateAndGetFormats(t *testing.T) {
	ns := namespace(t)
	contains(t, "create cm", ok(t, "-n", ns, "create", "configmap", "app", "--from-literal=color=blue", "--from-literal=size=2"), "configmap/app created")
	contains(t, "create secret", ok(t, "-n", ns, "create", "secret", "generic", "pw", "--from-literal=password=s3cret"), "secret/pw created")

	out := ok(t, "-n", ns, "get", "cm", "app")
	if !regexp.MustCompile(`(?m)^NAME\s+DATA\s+AGE\napp\s+2\s+\S+$`).MatchString(out) {
		t.Errorf("get cm:\n%s", out)
	}
	out = ok(t, "-n", ns, "get", "secrets", "pw", "-o", "wide")
	if !regexp.MustCompile(`(?m)^pw\s+Opaque\s+1\s+\S+$`).MatchString(out) {
		t.Errorf("get secret -o wide:\n%s", out)
	}
	contains(t, "-o yaml", ok(t, "-n", ns, "get", "cm", "app", "-o", "yaml"), "apiVersion: v1", "kind: ConfigMap", "color: blue", "namespace: "+ns)
	var obj map[string]interface{}
	if err := json.Unmarshal([]byte(ok(t, "-n", ns, "get", "cm", "app", "-o", "json")), &obj); err != nil || obj["kind"] != "ConfigMap" {
		t.Errorf("-o json: %v %v", err, obj["kind"])
	}
	if got := ok(t, "-n", ns, "get", "cm", "app", "-o", "jsonpath={.data.color}"); got != "blue" {
		t.Errorf("jsonpath = %q", got)
	}
	out = ok(t, "-n", ns, "get", "secrets", "--field-selector", "type=Opaque", "-o", "name")
	contains(t, "field selector", out, "secret/pw")
}

func TestApplyTwice(t *testing.T) {
	ns := namespace(t)
	manifest := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n  namespace: " + ns + "\ndata:\n  key: one\n"
	file := writeFile(t, "cm.yaml", manifest)
	contains(t, "first apply", ok(t, "apply", "-f", file), "configmap/applied created")
	contains(t, "second apply", ok(t, "apply", "-f", file), "configmap/applied unchanged")
	file = writeFile(t, "cm2.yaml", strings.Replace(manifest, "one", "two", 1))
	contains(t, "changed apply", ok(t, "apply", "-f", file), "configmap/applied configured")
}

func TestServerSideApplyConflict(t *testing.T) {
	ns := namespace(t)
	manifest := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\n  namespace: " + ns + "\ndata:\n  key: %s\n"
	contains(t, "ssa a", okIn(t, strings.Replace(manifest, "%s", "from-a", 1), "apply", "--server-side", "--field-manager=alice", "-f", "-"), "configmap/ssa serverside-applied")
	_, errOut, err := kubectl(t, strings.Replace(manifest, "%s", "from-b", 1), "apply", "--server-side", "--field-manager=bob", "-f", "-")
	if err == nil {
		t.Fatal("conflicting server-side apply succeeded")
	}
	contains(t, "conflict", errOut, "Apply failed with 1 conflict", `conflict with "alice"`, ".data.key")
	contains(t, "force", okIn(t, strings.Replace(manifest, "%s", "from-b", 1), "apply", "--server-side", "--field-manager=bob", "--force-conflicts", "-f", "-"), "configmap/ssa serverside-applied")
	if got := ok(t, "-n", ns, "get", "cm", "ssa", "-o", "jsonpath={.data.key}"); got != "from-b" {
		t.Errorf("after force: %q", got)
	}
}

func TestPatchTypes(t *testing.T) {
	ns := namespace(t)
	ok(t, "-n", ns, "create", "configmap", "p", "--from-literal=a=1")
	contains(t, "strategic", ok(t, "-n", ns, "patch", "cm", "p", "-p", `{"data":{"b":"2"}}`), "configmap/p patched")
	contains(t, "merge", ok(t, "-n", ns, "patch", "cm", "p", "--type=merge", "-p", `{"data":{"c":"3"}}`), "configmap/p patched")
	contains(t, "json", ok(t, "-n", ns, "patch", "cm", "p", "--type=json", "-p", `[{"op":"remove","path":"/data/a"}]`), "configmap/p patched")
	if got := ok(t, "-n", ns, "get", "cm", "p", "-o", "jsonpath={.data}"); got != `{"b":"2","c":"3"}` {
		t.Errorf("data after patches = %s", got)
	}
}

func TestEdit(t *testing.T) {
	ns := namespace(t)
	ok(t, "-n", ns, "create", "configmap", "e", "--from-literal=mood=calm")
	editor := writeFile(t, "editor.sh", "#!/bin/sh\nsed -i 's/mood: calm/mood: excited/' \"$1\"\n")
	os.Chmod(editor, 0o755)
	t.Setenv("KUBE_EDITOR", editor)
	contains(t, "edit", ok(t, "-n", ns, "edit", "cm", "e"), "configmap/e edited")
	if got := ok(t, "-n", ns, "get", "cm", "e", "-o", "jsonpath={.data.mood}"); got != "excited" {
		t.Errorf("after edit: %q", got)
	}
}

func TestGetWatch(t *testing.T) {
	ns := namespace(t)
	ok(t, "-n", ns, "create", "configmap", "existing")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "kubectl", "-n", ns, "get", "cm", "-w", "--output-watch-events")
	cmd.Env = append(os.Environ(), "KUBECONFIG="+srv.Kubeconfig)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := bufio.NewScanner(stdout)
	var seen []string
	for lines.Scan() {
		line := lines.Text()
		seen = append(seen, line)
		// The initial list arrives as ADDED rows; then a change is watched.
		if regexp.MustCompile(`^ADDED\s+existing\s+0\s+`).MatchString(line) {
			ok(t, "-n", ns, "create", "configmap", "watched")
		}
		if regexp.MustCompile(`^ADDED\s+watched\s+0\s+`).MatchString(line) {
			return
		}
	}
	t.Fatalf("watch never showed the ADDED row for the new configmap; saw:\n%s", strings.Join(seen, "\n"))
}

func TestDescribeShowsEvents(t *testing.T) {
	ns := namespace(t)
	ok(t, "-n", ns, "create", "configmap", "described", "--from-literal=k=v")
	uid := ok(t, "-n", ns, "get", "cm", "described", "-o", "jsonpath={.metadata.uid}")
	event := `apiVersion: v1
kind: Event
metadata:
  name: described.1
  namespace: ` + ns + `
involvedObject:
  apiVersion: v1
  kind: ConfigMap
  name: described
  namespace: ` + ns + `
  uid: ` + uid + `
reason: Checked
message: looked fine
type: Normal
source:
  component: e2e-test
firstTimestamp: "2026-01-01T00:00:00Z"
lastTimestamp: "2026-01-01T00:00:00Z"
count: 1
`
	okIn(t, event, "create", "-f", "-")
	out := ok(t, "-n", ns, "describe", "cm", "described")
	contains(t, "describe", out, "Name:         described", "Namespace:    "+ns, "Events:", "Checked", "looked fine", "e2e-test")
	out = ok(t, "-n", ns, "get", "events")
	if !regexp.MustCompile(`(?m)^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$`).MatchString(out) || !strings.Contains(out, "configmap/described") {
		t.Errorf("get events:\n%s", out)
	}
}

func TestExplain(t *testing.T) {
	out := ok(t, "explain", "configmap")
	contains(t, "explain", out, "KIND:       ConfigMap", "VERSION:    v1", "FIELDS:", "binaryData")
	out = ok(t, "explain", "secret.type")
	contains(t, "explain field", out, "FIELD: type <string>")
}

func TestDiff(t *testing.T) {
	ns := namespace(t)
	ok(t, "-n", ns, "create", "configmap", "d", "--from-literal=k=old")
	manifest := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d\n  namespace: " + ns + "\ndata:\n  k: new\n"
	out, errOut, err := kubectl(t, manifest, "diff", "-f", "-")
	if ee, isExit := err.(*exec.ExitError); !isExit || ee.ExitCode() != 1 {
		t.Fatalf("diff: want exit 1 (differences), got %v: %s", err, errOut)
	}
	contains(t, "diff", out, "-  k: old", "+  k: new")
}

func TestDryRunServer(t *testing.T) {
	ns := namespace(t)
	contains(t, "dry-run", ok(t, "-n", ns, "create", "configmap", "ghost", "--dry-run=server"), "configmap/ghost created (server dry run)")
	_, errOut, err := kubectl(t, "", "-n", ns, "get", "cm", "ghost")
	if err == nil {
		t.Error("dry-run created the object")
	}
	contains(t, "get ghost", errOut, `configmaps "ghost" not found`)
}

func TestAuthCanI(t *testing.T) {
	if got := strings.TrimSpace(ok(t, "auth", "can-i", "create", "configmaps")); got != "yes" {
		t.Errorf("can-i = %q", got)
	}
	contains(t, "can-i --list", ok(t, "auth", "can-i", "--list"), "*.*")
}

func TestDeleteAndDeleteNamespace(t *testing.T) {
	ok(t, "create", "namespace", "short-lived")
	ok(t, "-n", "short-lived", "create", "configmap", "gone")
	contains(t, "delete cm", ok(t, "-n", "short-lived", "delete", "cm", "gone"), `configmap "gone" deleted`)
	ok(t, "-n", "short-lived", "create", "configmap", "content")
	contains(t, "delete ns", ok(t, "delete", "namespace", "short-lived", "--timeout=60s"), `namespace "short-lived" deleted`)
	_, errOut, err := kubectl(t, "", "get", "namespace", "short-lived")
	if err == nil {
		t.Fatal("namespace still exists after delete returned")
	}
	contains(t, "get deleted ns", errOut, `namespaces "short-lived" not found`)
}

func TestBadInputMessages(t *testing.T) {
	_, errOut, err := kubectl(t, "", "get", "widgets")
	if err == nil {
		t.Fatal("get of an unknown resource succeeded")
	}
	contains(t, "unknown resource", errOut, `the server doesn't have a resource type "widgets"`)
	_, errOut, err = kubectl(t, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n", "create", "-f", "-")
	if err == nil {
		t.Fatal("invalid name accepted")
	}
	contains(t, "invalid name", errOut, `ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name"`)
	_, errOut, err = kubectl(t, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: strict\nbogus: 1\n", "create", "-f", "-")
	if err == nil {
		t.Fatal("unknown field accepted under default strict validation")
	}
	contains(t, "unknown field", errOut, `unknown field "bogus"`)
}
