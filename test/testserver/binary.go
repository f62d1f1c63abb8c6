package testserver

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// LDFlags stamp the Kubernetes version into client-go and component-base,
// as the Makefile does, so the embedded kubectl reports v1.37.2.
var LDFlags = func() string {
	var parts []string
	for _, p := range []string{"k8s.io/client-go/pkg/version", "k8s.io/component-base/version"} {
		parts = append(parts, "-X "+p+".gitVersion=v1.37.2+skiff", "-X "+p+".gitMajor=1", "-X "+p+".gitMinor=37")
	}
	return strings.Join(parts, " ")
}()

// Binary returns the path of a skiff binary: $SKIFF_BIN when set (make test
// builds it first), otherwise one built into dir from this checkout.
func Binary(dir string) (string, error) {
	if p := os.Getenv("SKIFF_BIN"); p != "" {
		return filepath.Abs(p)
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	out := filepath.Join(dir, "skiff")
	cmd := exec.Command("go", "build", "-ldflags", LDFlags, "-o", out, "./cmd/skiff")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building skiff: %v\n%s", err, b)
	}
	return out, nil
}
